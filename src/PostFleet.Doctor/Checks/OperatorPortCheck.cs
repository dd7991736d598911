namespace PostFleet.Doctor.Checks;

public enum PortState
{
    Free,

    /// <summary>In use, and the listener answers GET /status like a post-service.</summary>
    PostService,

    /// <summary>In use by something that does not answer like a post-service.</summary>
    Other,

    /// <summary>The address cannot be bound on this host (not a local address).</summary>
    NotLocal,
}

public sealed record OperatorPortObservation(string Service, string Address, PortState State, string? Detail = null);

/// <summary>Every service's --operator-address must be free, or held by a running post-service (ours, adopted on run).</summary>
public static class OperatorPortCheck
{
    public static Finding Evaluate(OperatorPortObservation seen)
    {
        var subject = $"{seen.Service} operator {seen.Address}";
        return seen.State switch
        {
            PortState.Free => Finding.Ok(CheckNames.OperatorPorts, subject, "free"),
            PortState.PostService => Finding.Ok(CheckNames.OperatorPorts, subject, $"in use by a running post-service ({seen.Detail}); `postfleet run` adopts it"),
            PortState.NotLocal => Finding.Error(CheckNames.OperatorPorts, subject, $"cannot be bound on this host: {seen.Detail}",
                "use a local IP (127.0.0.1) in the service's operator address"),
            _ => Finding.Error(CheckNames.OperatorPorts, subject, $"port already in use by another program ({seen.Detail})",
                $"stop that program (`ss -ltnp 'sport = :{seen.Address[(seen.Address.LastIndexOf(':') + 1)..]}'` shows it) or give {seen.Service} another operator port"),
        };
    }
}
