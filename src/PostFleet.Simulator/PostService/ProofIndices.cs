namespace PostFleet.Simulator.PostService;

/// <summary>
/// The <c>indices</c> field of a proof: K2 label indices, each packed little-endian into
/// floor(log2(num_labels)) + 1 bits, ceil(K2·bits/8) bytes in all.
/// </summary>
public static class ProofIndices
{
    public static int BitsFor(ulong numLabels) => numLabels == 0 ? 1 : (63 - System.Numerics.BitOperations.LeadingZeroCount(numLabels)) + 1;

    public static byte[] Pack(IReadOnlyList<ulong> indices, int bits)
    {
        var packed = new byte[((indices.Count * bits) + 7) / 8];
        var bit = 0;
        foreach (var index in indices)
        {
            for (var b = 0; b < bits; b++, bit++)
            {
                if (((index >> b) & 1) != 0)
                {
                    packed[bit / 8] |= (byte)(1 << (bit % 8));
                }
            }
        }

        return packed;
    }

    public static IReadOnlyList<ulong> Unpack(byte[] packed, int bits, int count)
    {
        var indices = new ulong[count];
        var bit = 0;
        for (var i = 0; i < count; i++)
        {
            for (var b = 0; b < bits; b++, bit++)
            {
                if ((packed[bit / 8] & (1 << (bit % 8))) != 0)
                {
                    indices[i] |= 1UL << b;
                }
            }
        }

        return indices;
    }
}
