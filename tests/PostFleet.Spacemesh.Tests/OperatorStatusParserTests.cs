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
    [InlineData("")]
    [InlineData("Idle")]
    [InlineData("\"idle\"")]
    [InlineData("\"Proving\"")]
    [InlineData("\"IDLE\"")]
    [InlineData("{}")]
    [InlineData("{\"Idle\":{}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16}}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":-1}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1.5}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":\"0\",\"end\":16},\"position\":1}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1,\"pass\":2}}")]
    [InlineData("{\"Proving\":{\"nonces\":{\"start\":0,\"end\":16},\"position\":1},\"DoneProving\":null}")]
    [InlineData("{\"status\":\"IDLE\"}")]
    [InlineData("<html>502 Bad Gateway</html>")]
    public void Anything_else_is_an_unexpected_body(string body)
    {
        var status = Assert.IsType<ServiceStatus.Unreachable>(OperatorStatusParser.Parse(body));

        Assert.Equal("unexpected body: " + body, status.Reason);
    }

    [Fact]
    public void A_long_body_is_quoted_shortened()
    {
        var status = Assert.IsType<ServiceStatus.Unreachable>(OperatorStatusParser.Parse(new string('x', 5000)));

        Assert.True(status.Reason.Length < 250);
    }
}
