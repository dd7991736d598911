namespace PostFleet.Simulator.Postcli;

/// <summary>postcli's y/N prompt: <c>-yes</c> skips it; anything but y/Y, or EOF on a non-TTY stdin, aborts.</summary>
public sealed class Confirmation(bool yes, TextReader input, CliOutput output)
{
    public void Ask()
    {
        if (yes)
        {
            return;
        }

        output.Log("Are you sure you want to continue (y/N)?");
        var answer = input.ReadLine()?.Trim();
        if (answer is not ("y" or "Y"))
        {
            throw GoExit.Fatal("Aborting");
        }
    }
}
