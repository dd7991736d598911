using PostFleet.Runtime;
using PostFleet.Testing;

namespace PostFleet.Daemon.Tests;

public sealed class LogTailTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(3000)]
    public async Task Reads_the_last_lines_across_chunk_boundaries(int lines)
    {
        using var dir = new TempDirectory("pf-tail");
        var path = dir.Combine("service.log");
        // ~200 KB of lines of varying length, so lines straddle the read chunks (8 KB, then doubling).
        var all = Enumerable.Range(1, 5000).Select(i => $"{i}:" + new string('x', i % 70)).ToList();
        await File.WriteAllLinesAsync(path, all);

        var tail = await LogTail.ReadAsync(path, lines, CancellationToken.None);
        Assert.Equal(all.TakeLast(lines), tail);
    }

    [Fact]
    public async Task A_character_across_a_chunk_boundary_is_read_whole()
    {
        using var dir = new TempDirectory("pf-tail");
        var path = dir.Combine("service.log");
        // Lines of three-byte characters: some straddle every chunk boundary whatever the chunk sizes.
        var all = Enumerable.Range(1, 3000).Select(i => $"{i}:" + new string('€', 1 + (i % 50))).ToList();
        await File.WriteAllLinesAsync(path, all);

        Assert.Equal(all.TakeLast(2500), await LogTail.ReadAsync(path, 2500, CancellationToken.None));
    }

    [Fact]
    public async Task Short_and_empty_files()
    {
        using var dir = new TempDirectory("pf-tail");
        var path = dir.Combine("service.log");
        await File.WriteAllTextAsync(path, "");
        Assert.Empty(await LogTail.ReadAsync(path, 5, CancellationToken.None));
        await File.WriteAllTextAsync(path, "one\r\ntwo\nthree (no newline)");
        Assert.Equal(["one", "two", "three (no newline)"], await LogTail.ReadAsync(path, 5, CancellationToken.None));
    }
}
