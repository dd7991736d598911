using System.Globalization;

namespace PostFleet.Init.Tests.Support;

/// <summary>
/// A bash stand-in for postcli with the real one's flags, files and exit behaviour (post-service.md §5): metadata
/// first, identity.key as 128 hex without newline, .bin files grown slowly in order and resumed from their sizes,
/// the Nonce only at the end, "cli: initialization error" on stderr with exit 0, SIGINT → flush and exit 1.
/// Every run appends "start|end|interrupted NAME EPOCH_NS PID" to <see cref="RunLog"/> so tests can check the caps.
/// Its key for a data folder NAME comes from <c>keys/NAME</c> (tests generate real ed25519 keys).
/// </summary>
public sealed class FakePostcli
{
    private FakePostcli(string path, string keysDir, string runLog)
    {
        Path = path;
        KeysDir = keysDir;
        RunLog = runLog;
    }

    public string Path { get; }

    public string KeysDir { get; }

    public string RunLog { get; }

    public static FakePostcli Create(string dir, int chunkBytes = 1024, double delaySeconds = 0.02, IEnumerable<string>? failWithInitError = null)
    {
        Directory.CreateDirectory(dir);
        var keys = System.IO.Path.Combine(dir, "keys");
        Directory.CreateDirectory(keys);
        var log = System.IO.Path.Combine(dir, "runs.log");
        var path = System.IO.Path.Combine(dir, "postcli");
        var failing = " " + string.Join(' ', failWithInitError ?? []) + " ";
        var script = Template
            .Replace("@KEYS@", keys, StringComparison.Ordinal)
            .Replace("@LOG@", log, StringComparison.Ordinal)
            .Replace("@CHUNK@", chunkBytes.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@DELAY@", delaySeconds.ToString("0.###", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@FAIL@", failing, StringComparison.Ordinal);
        File.WriteAllText(path, script);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new FakePostcli(path, keys, log);
    }

    public void AssignKey(string name, TestKey key) => File.WriteAllText(System.IO.Path.Combine(KeysDir, name), key.FileContent);

    public IReadOnlyList<RunRecord> Runs()
    {
        if (!File.Exists(RunLog))
        {
            return [];
        }

        var lines = File.ReadAllLines(RunLog).Select(l => l.Split(' ')).ToList();
        var runs = new List<RunRecord>();
        foreach (var start in lines.Where(l => l[0] == "start"))
        {
            var pid = start[3];
            var end = lines.FirstOrDefault(l => l[0] != "start" && l[1] == start[1] && l[3] == pid);
            runs.Add(new RunRecord(start[1], long.Parse(start[2], CultureInfo.InvariantCulture), end is null ? null : long.Parse(end[2], CultureInfo.InvariantCulture), int.Parse(pid, CultureInfo.InvariantCulture)));
        }

        return runs;
    }

    private const string Template = """
        #!/usr/bin/env bash
        set -u
        keys='@KEYS@'; runlog='@LOG@'; chunk=@CHUNK@; delay=@DELAY@; failing='@FAIL@'
        stamp() { date '+%Y/%m/%d %H:%M:%S'; }
        provider=""; lpu=4294967296; units=""; datadir="$HOME/post/data"; atx=""; maxfs=4294967296
        for a in "$@"; do
          case "$a" in
            -provider=*) provider="${a#*=}" ;;
            -labelsPerUnit=*) lpu="${a#*=}" ;;
            -scryptN=*) ;;
            -numUnits=*) units="${a#*=}" ;;
            -datadir=*) datadir="${a#*=}" ;;
            -commitmentAtxId=*) atx="${a#*=}" ;;
            -maxFileSize=*) maxfs="${a#*=}" ;;
            -yes|--yes) ;;
            *) echo "flag provided but not defined: $a" >&2; exit 2 ;;
          esac
        done
        [ -n "$provider" ] || { echo "$(stamp) -provider flag is required" >&2; exit 1; }
        [ -n "$units" ] && [ -n "$atx" ] || { echo "$(stamp) -numUnits and -commitmentAtxId are required" >&2; exit 1; }
        name="$(basename "$datadir")"
        echo "start $name $(date +%s%N) $$" >> "$runlog"
        trap 'echo "$(stamp) cli: initialization interrupted" >&2; echo "interrupted $name $(date +%s%N) $$" >> "$runlog"; exit 1' INT
        mkdir -p -m 700 "$datadir"
        if [ ! -f "$datadir/identity.key" ]; then
          echo "$(stamp) cli: generating new identity" >&2
          (umask 077; printf '%s' "$(cat "$keys/$name")" > "$datadir/identity.key")
        fi
        key="$(cat "$datadir/identity.key")"
        b64() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')" | base64 -w0; }
        meta() {
          { printf '{\n\t"NodeId": "%s",\n\t"CommitmentAtxId": "%s",\n' "$(b64 "${key:64:64}")" "$(b64 "$atx")"
            printf '\t"LabelsPerUnit": %s,\n\t"NumUnits": %s,\n\t"MaxFileSize": %s' "$lpu" "$units" "$maxfs"
            [ -n "$1" ] && printf ',\n\t"Nonce": %s,\n\t"NonceValue": "00000000000000000000000000000001"' "$1"
            printf '\n}'; } > "$datadir/postdata_metadata.json.tmp"
          mv "$datadir/postdata_metadata.json.tmp" "$datadir/postdata_metadata.json"
        }
        meta ""
        echo -e "$(date -u +%FT%T.000Z)\tINFO\tinitialization started\t{\"datadir\": \"$datadir\"}"
        if [[ "$failing" == *" $name "* ]]; then
          echo "$(stamp) cli: initialization error: simulated device failure" >&2
          echo "end $name $(date +%s%N) $$" >> "$runlog"
          exit 0
        fi
        total=$(( units * lpu * 16 )); files=$(( (total + maxfs - 1) / maxfs ))
        for (( i = 0; i < files; i++ )); do
          f="$datadir/postdata_$i.bin"
          if (( i < files - 1 )); then want=$maxfs; else want=$(( total - maxfs * (files - 1) )); fi
          have=0; [ -f "$f" ] && have=$(stat -c %s "$f")
          while (( have < want )); do
            n=$(( want - have < chunk ? want - have : chunk ))
            head -c "$n" /dev/urandom >> "$f"
            have=$(( have + n ))
            sleep "$delay"
          done
        done
        meta 42
        echo "$(stamp) cli: initialization completed" >&2
        echo "end $name $(date +%s%N) $$" >> "$runlog"
        exit 0
        """;
}

public sealed record RunRecord(string Name, long StartNs, long? EndNs, int Pid);
