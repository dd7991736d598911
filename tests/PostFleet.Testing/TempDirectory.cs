namespace PostFleet.Testing;

/// <summary>A fresh folder under /tmp, removed on dispose unless POSTFLEET_KEEP_TEST_DIRS is set.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "pf")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("POSTFLEET_KEEP_TEST_DIRS") is not null)
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file; the folder is under /tmp anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
