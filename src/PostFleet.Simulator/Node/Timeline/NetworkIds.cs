using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace PostFleet.Simulator.Node;

/// <summary>
/// The 32-byte ids of the simulated standalone network. Golden ATX and genesis id follow the real node;
/// PoET proof references and ATX ids are derived deterministically because there is no real PoET or ATX.
/// </summary>
public sealed class NetworkIds
{
    /// <summary>The standalone preset's `genesis-extra-data`.</summary>
    public const string GenesisExtraData = "standalone";

    public NetworkIds(DateTimeOffset genesis)
    {
        var seconds = genesis.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        GoldenAtx = Blake3(Encoding.ASCII.GetBytes(seconds + GenesisExtraData));
        GenesisId = GoldenAtx[..20];
    }

    /// <summary>blake3(decimal unix seconds of genesis ‖ "standalone"): the commitment ATX before any ATX exists.</summary>
    public byte[] GoldenAtx { get; }

    public byte[] GenesisId { get; }

    /// <summary>
    /// The NiPoST challenge for publish epoch P: in the real node the PoET proof reference, the same for every
    /// identity that used the round. Here blake3("poet-proof" ‖ genesis id ‖ P).
    /// </summary>
    public byte[] NipostChallenge(uint publishEpoch) => Blake3([.. Encoding.ASCII.GetBytes("poet-proof"), .. GenesisId, .. U32(publishEpoch)]);

    public byte[] AtxId(byte[] nodeId, uint publishEpoch) => Blake3([.. Encoding.ASCII.GetBytes("atx"), .. nodeId, .. U32(publishEpoch)]);

    private static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Blake3(byte[] input)
    {
        var digest = new Blake3Digest(256);
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }
}
