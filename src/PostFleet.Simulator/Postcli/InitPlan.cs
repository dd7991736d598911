using PostFleet.Simulator.Common;

namespace PostFleet.Simulator.Postcli;

/// <summary>What an initialization will do, once every flag has been validated.</summary>
public sealed record InitPlan(
    string DataDir,
    byte[] NodeId,
    byte[] CommitmentAtxId,
    uint NumUnits,
    ulong LabelsPerUnit,
    ulong MaxFileSize,
    uint Provider,
    int FirstFileIndex,
    int LastFileIndex,
    bool FullInit,
    PostMetadata? Existing)
{
    public ulong NumLabels => NumUnits * LabelsPerUnit;

    public ulong LabelsPerFile => MaxFileSize / DataLayout.LabelSize;

    public int FileCount => (int)((NumLabels + LabelsPerFile - 1) / LabelsPerFile);

    public ulong LabelsInFile(int index) => index == FileCount - 1 ? NumLabels - ((ulong)index * LabelsPerFile) : LabelsPerFile;

    public PostMetadata Metadata(ulong? nonce, byte[]? nonceValue, ulong? lastPosition) =>
        new(NodeId, CommitmentAtxId, LabelsPerUnit, NumUnits, MaxFileSize, nonce, nonceValue, lastPosition);
}
