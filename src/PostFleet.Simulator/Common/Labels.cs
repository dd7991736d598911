using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PostFleet.Simulator.Common;

/// <summary>
/// Deterministic stand-in for scrypt labels: label i = AES-256(key = SHA-256(node id ‖ commitment atx id),
/// block = u64le(i) ‖ 8 zero bytes). Same inputs give the same bytes on every run, so resume and -verify can be
/// checked, but they are NOT real scrypt labels and a real verifier would reject them.
/// </summary>
public sealed class Labels : IDisposable
{
    private readonly Aes _aes;

    public Labels(byte[] nodeId, byte[] commitmentAtxId)
    {
        _aes = Aes.Create();
        _aes.Key = SHA256.HashData([.. nodeId, .. commitmentAtxId]);
    }

    /// <summary>Fills <paramref name="destination"/> (a multiple of 16 bytes) with labels starting at <paramref name="firstIndex"/>.</summary>
    public void Compute(ulong firstIndex, Span<byte> destination)
    {
        var counters = new byte[destination.Length];
        for (var offset = 0; offset < counters.Length; offset += DataLayout.LabelSize)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(counters.AsSpan(offset), firstIndex + (ulong)(offset / DataLayout.LabelSize));
        }

        _aes.EncryptEcb(counters, destination, PaddingMode.None);
    }

    public void Dispose() => _aes.Dispose();
}
