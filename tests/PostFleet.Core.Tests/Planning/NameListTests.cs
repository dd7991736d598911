using PostFleet.Core.Planning;

namespace PostFleet.Core.Tests.Planning;

public sealed class NameListTests
{
    [Theory]
    [InlineData(0, "")]
    [InlineData(1, "s0")]
    [InlineData(3, "s0, s1, s2")]
    [InlineData(4, "s0, s1, s2 and 1 more")]
    [InlineData(16, "s0, s1, s2 and 13 more")]
    public void A_reason_names_three_and_counts_the_rest(int count, string expected) =>
        Assert.Equal(expected, NameList.Brief(Enumerable.Range(0, count).Select(i => $"s{i}")));
}
