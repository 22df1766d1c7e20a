namespace Ssd.Model.Data;

/// <summary>Reads a dataset in whichever format the path shows: a .json file is COCO, a directory with Annotations/ is Pascal VOC.</summary>
public static class DatasetReader
{
    /// <param name="path">A COCO annotation .json file, or a VOC root directory (holding Annotations/, ImageSets/Main/, JPEGImages/).</param>
    /// <param name="imageDir">COCO: the directory the images' file_name values are relative to; null for
    /// <c>images/</c> beside the .json file when it exists, else the .json file's directory. VOC: must be null (JPEGImages/ is used).</param>
    /// <param name="imageSet">VOC: the image set ("train", "val", "trainval", "test"), required; COCO: must be null.</param>
    /// <param name="skipBad">Skip and count bad images and annotations instead of failing on the first (images that do not decode too, when they are met: <see cref="DetectionDataset.SkipsUndecodable"/>).</param>
    /// <param name="classNames">VOC only: class names for a custom dataset in VOC layout; null for the 20 VOC classes.</param>
    public static DetectionDataset Read(string path, string? imageDir = null, string? imageSet = null, bool skipBad = false, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path) && string.Equals(Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase))
        {
            if (imageSet != null) throw new ArgumentException($"{path}: an image set applies to VOC datasets only; a COCO file lists its images itself", nameof(imageSet));
            if (classNames != null) throw new ArgumentException($"{path}: a COCO file names its own categories; class names apply to VOC datasets only", nameof(classNames));
            var coco = CocoDatasetReader.Read(path, imageDir ?? DefaultCocoImageDir(path), skipBad);
            coco.SkipsUndecodable = skipBad;
            return coco;
        }
        if (Directory.Exists(path) && Directory.Exists(Path.Combine(path, "Annotations")))
        {
            if (imageDir != null) throw new ArgumentException($"{path}: a VOC dataset keeps its images in JPEGImages/; an image directory applies to COCO only", nameof(imageDir));
            if (imageSet == null) throw new ArgumentException($"{path}: a VOC dataset needs an image set (train, val, trainval or test from ImageSets/Main)", nameof(imageSet));
            var voc = VocDatasetReader.Read(path, imageSet, skipBad, classNames);
            voc.SkipsUndecodable = skipBad;
            return voc;
        }
        if (!File.Exists(path) && !Directory.Exists(path)) throw new DatasetException($"{path}: no such file or directory");
        throw new DatasetException($"{path}: neither a COCO annotation file (.json) nor a VOC directory (with Annotations/)");
    }

    /// <summary>images/ beside the annotation file when it exists (the layout `dataset synth` writes), else the file's directory.</summary>
    public static string DefaultCocoImageDir(string annotationJson)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(annotationJson))!;
        string images = Path.Combine(dir, "images");
        return Directory.Exists(images) ? images : dir;
    }
}
