using PostFleet.Core.Model;
using PostFleet.Spacemesh.Operator;

namespace PostFleet.Spacemesh.Tests;

public class OperatorStatusParserTests
{
    [Fact]
    public void The_three_bodies_of_a_real_post_service()
    {
        Assert.Equal(new ServiceStatus.Idle(), OperatorStatusParser.Parse("\"Idle\""));
        Assert.Equal(new ServiceStatus.DoneProving(), OperatorStatusParser.Parse("\"DoneProving\""));
        Assert.Equal(
            new ServiceStatus.Proving(128, 256, 10485760),
            OperatorStatusParser.Parse("{\"Proving\":{\"nonces\":{\"start\":128,\"end\":256},\"position\":10485760}}"));
        Assert.Equal(
            new ServiceStatus.Proving(0, 0, 0),
            OperatorStatusParser.Parse("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":0},\"position\":0}}"));
    }

    [Theory]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1,\"pass\":2}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16,\"group\":1},\"position\":1,\"k2pow\":{\"done\":3}}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1},\"since\":\"2026-01-01T00:00:00Z\"}")]
    public void Members_a_newer_service_adds_are_ignored_when_the_known_ones_are_there(string body)
    {
        Assert.Equal(new ServiceStatus.Proving(0, 16, 1), OperatorStatusParser.Parse(body));
    }

    [Fact]
    public void A_unit_variant_in_map_form_is_the_same_state()
    {
        Assert.Equal(new ServiceStatus.Idle(), OperatorStatusParser.Parse("{\"Idle\":null}"));
        Assert.Equal(new ServiceStatus.DoneProving(), OperatorStatusParser.Parse("{\"DoneProving\":{},\"note\":1}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Idle")]
    [InlineData("\"idle\"")]
    [InlineData("\"Proving\"")]
    [InlineData("\"IDLE\"")]
    [InlineData("\"Verifying\"")]
    [InlineData("{}")]
    [InlineData("{\"Idle\":{\"x\":1}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16}}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":-1}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1.5}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":\"0\",\"end\":16},\"position\":1}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1},\"DoneProving\":null}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1,\"position\":2}}")]
    [InlineData("{\"K2Pow\":{\"nonces\":{\"start\":0,\"end\":16}}}")]
    [InlineData("{\"status\":\"IDLE\"}")]
    [InlineData("<html>502 Bad Gateway</html>")]
    public void Anything_else_is_an_answer_we_cannot_read_not_a_silent_service(string body)
    {
        var status = Assert.IsType<ServiceStatus.Unrecognised>(OperatorStatusParser.Parse(body));

        Assert.Equal(body, status.Body);
    }

    [Fact]
    public void A_long_body_is_quoted_shortened()
    {
        var status = Assert.IsType<ServiceStatus.Unrecognised>(OperatorStatusParser.Parse(new string('x', 5000)));

        Assert.True(status.Body.Length < 250);
    }
}
