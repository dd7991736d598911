using System.Diagnostics;
using PostFleet.Testing;

namespace PostFleet.Faults.Tests;

/// <summary>
/// Reads a client's HTTP/2 byte stream (prior knowledge, so it starts with the connection preface) frame header by
/// frame header and notes when each PING without the ACK flag was sent: the pings a gRPC server's keepalive
/// enforcement counts.
/// </summary>
public sealed class Http2PingCounter : IClientStreamObserver
{
    private const int PrefaceLength = 24;
    private const int FrameHeaderLength = 9;
    private const byte PingType = 0x6;
    private const byte AckFlag = 0x1;

    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _pings = [];
    private readonly List<byte> _pending = [];
    private readonly Stopwatch _clock;
    private long _skip = PrefaceLength;

    public Http2PingCounter(Stopwatch clock) => _clock = clock;

    /// <summary>When each client PING (not ACK) was seen, on the shared clock.</summary>
    public IReadOnlyList<TimeSpan> Pings
    {
        get
        {
            lock (_gate)
            {
                return [.. _pings];
            }
        }
    }

    /// <summary>Frames seen in all: a counter that saw none was not looking at an HTTP/2 stream.</summary>
    public int Frames { get; private set; }

    public void Observe(ReadOnlySpan<byte> chunk)
    {
        lock (_gate)
        {
            foreach (var b in chunk)
            {
                if (_skip > 0)
                {
                    _skip--;
                    continue;
                }

                _pending.Add(b);
                if (_pending.Count < FrameHeaderLength)
                {
                    continue;
                }

                var length = (_pending[0] << 16) | (_pending[1] << 8) | _pending[2];
                if (_pending[3] == PingType && (_pending[4] & AckFlag) == 0)
                {
                    _pings.Add(_clock.Elapsed);
                }

                Frames++;
                _skip = length;
                _pending.Clear();
            }
        }
    }
}
