namespace PostFleet.Simulator.Postcli;

public static class SimPostcliProgram
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        _ = args;
        _ = cancellationToken;
        Console.Error.WriteLine("not implemented yet");
        return Task.FromResult(1);
    }
}
