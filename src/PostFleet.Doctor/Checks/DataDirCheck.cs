using PostFleet.Core.Configuration;
using PostFleet.Core.Init;

namespace PostFleet.Doctor.Checks;

/// <summary>
/// One service's PoST data folder: metadata present and matching the config, every <c>postdata_N.bin</c> present
/// with its exact size (NumUnits × LabelsPerUnit × 16 bytes in all, post-service.md §5.2), and the data belonging
/// to the identity the node carries under that name.
/// </summary>
public static class DataDirCheck
{
    /// <param name="data">What is in the folder; null with <paramref name="readError"/> when it cannot be read.</param>
    /// <param name="carriedIdHex">The node id PostStates reports for the service, when known.</param>
    public static IEnumerable<Finding> Evaluate(ServiceSpec service, PostSettings post, PostDataObservation? data, string? readError, string? carriedIdHex)
    {
        var subject = $"{service.Name} {service.DataDir}";
        if (data is null)
        {
            yield return Finding.Error(CheckNames.DataDirs, subject, $"cannot be read: {readError}", "fix the folder's owner or permissions for the user running postfleet and post-service");
            yield break;
        }

        if (!data.Exists)
        {
            yield return Finding.Error(CheckNames.DataDirs, subject, "data folder does not exist",
                "run `postfleet init` to create the data, or set the service's dir to where it is (a disk not mounted?)");
            yield break;
        }

        if (data.MetadataJson is null)
        {
            yield return Finding.Error(CheckNames.DataDirs, subject, $"no {PostMetadata.FileName}: not initialised", "run `postfleet init` for this service");
            yield break;
        }

        if (!PostMetadata.TryParse(data.MetadataJson, out var metadata, out var parseError))
        {
            yield return Finding.Error(CheckNames.DataDirs, subject, $"{PostMetadata.FileName} cannot be read: {parseError}", "restore the metadata file (post-service cannot start without it)");
            yield break;
        }

        var problems = 0;
        if (metadata!.NumUnits != service.NumUnits)
        {
            problems++;
            yield return Finding.Error(CheckNames.DataDirs, subject, $"metadata NumUnits is {metadata.NumUnits}, the config says num-units: {service.NumUnits}", $"set num-units: {metadata.NumUnits} for {service.Name}");
        }

        if (metadata.LabelsPerUnit != post.LabelsPerUnit)
        {
            problems++;
            yield return Finding.Error(CheckNames.DataDirs, subject, $"metadata LabelsPerUnit is {metadata.LabelsPerUnit}, post.labels-per-unit is {post.LabelsPerUnit}",
                "make post.labels-per-unit equal the node's post-labels-per-unit; data initialised with another value cannot prove for this node");
        }

        if (carriedIdHex is not null && metadata.NodeIdHex is { } dataId && dataId != carriedIdHex)
        {
            problems++;
            yield return Finding.Error(CheckNames.DataDirs, subject,
                $"the data belongs to node id {dataId[..8]}…, but the node carries '{service.Name}' as {carriedIdHex[..8]}…",
                "point the service's dir at this identity's data, or install the matching key as identities/" + service.Name + ".key and restart the node");
        }

        var layout = new PostDataLayout(metadata.NumUnits, metadata.LabelsPerUnit, metadata.MaxFileSize);
        for (var i = 0; i < layout.FileCount; i++)
        {
            var file = PostDataLayout.FileName(i);
            var expected = layout.FileSize(i);
            if (!data.BinFileSizes.TryGetValue(i, out var size))
            {
                problems++;
                yield return Finding.Error(CheckNames.DataDirs, subject, $"{file} is missing ({layout.FileCount} files of {layout.TotalBytes} bytes in all expected)",
                    "run `postfleet init` for this service to finish the data (it resumes)");
            }
            else if (size != expected)
            {
                problems++;
                yield return Finding.Error(CheckNames.DataDirs, subject,
                    size < expected ? $"{file} is {size} bytes, expected {expected} (init unfinished or the file was truncated)" : $"{file} is {size} bytes, more than the {expected} expected",
                    size < expected ? "run `postfleet init` for this service to finish the data (it resumes)" : "check max-file-size and num-units; the data does not match its metadata");
            }
        }

        foreach (var extra in data.BinFileSizes.Keys.Where(i => i >= layout.FileCount))
        {
            problems++;
            yield return Finding.Warn(CheckNames.DataDirs, subject, $"{PostDataLayout.FileName(extra)} is beyond the {layout.FileCount} files the metadata describes",
                "move the stray file out of the folder (postcli would delete it)");
        }

        if (problems == 0)
        {
            yield return Finding.Ok(CheckNames.DataDirs, subject, $"{metadata.NumUnits} units, {layout.FileCount} file(s), {layout.TotalBytes} bytes, complete");
        }
    }

    /// <summary>Bytes still to be written for a folder (for the free-space check); 0 when unknown or complete.</summary>
    public static ulong Missing(ServiceSpec service, PostSettings post, PostDataObservation? data)
    {
        if (data is null)
        {
            return 0;
        }

        var layout = PostDataLayout.Create(service.NumUnits, post.LabelsPerUnit, post.MaxFileSize);
        if (data.MetadataJson is not null && PostMetadata.TryParse(data.MetadataJson, out var metadata, out _))
        {
            layout = new PostDataLayout(metadata!.NumUnits, metadata.LabelsPerUnit, metadata.MaxFileSize);
        }

        var written = data.BytesWritten;
        return written >= layout.TotalBytes ? 0 : layout.TotalBytes - written;
    }
}
