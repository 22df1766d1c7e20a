using System.Text.Json.Nodes;
using Ssd.Model.Data;

namespace Ssd.Model.Tests;

public sealed class DatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- COCO ---------------------------------------------------------------------------------------

    /// <summary>
    /// Two images (a.jpg 100x80 with three annotations, b.jpg 50x50 without any), categories 7 "dog"
    /// and 3 "cat" (out of order, not contiguous), annotation 12 a crowd.
    /// </summary>
    private static JsonObject GoodCoco() => new()
    {
        ["images"] = new JsonArray(
            new JsonObject { ["id"] = 5, ["file_name"] = "a.jpg", ["width"] = 100, ["height"] = 80 },
            new JsonObject { ["id"] = 9, ["file_name"] = "sub/b.jpg", ["width"] = 50, ["height"] = 50 }),
        ["annotations"] = new JsonArray(
            new JsonObject { ["id"] = 10, ["image_id"] = 5, ["category_id"] = 7, ["bbox"] = new JsonArray(10, 20, 30, 40), ["area"] = 900.5, ["iscrowd"] = 0, ["segmentation"] = new JsonArray(new JsonArray(1, 2, 3, 4)) },
            new JsonObject { ["id"] = 11, ["image_id"] = 5, ["category_id"] = 3, ["bbox"] = new JsonArray(-0.5, 0, 100.8, 80) },
            new JsonObject { ["id"] = 12, ["image_id"] = 5, ["category_id"] = 3, ["bbox"] = new JsonArray(50, 50, 20, 20), ["area"] = 300, ["iscrowd"] = 1 }),
        ["categories"] = new JsonArray(
            new JsonObject { ["id"] = 7, ["name"] = "dog" },
            new JsonObject { ["id"] = 3, ["name"] = "cat" }),
    };

    private string WriteCoco(JsonObject coco, bool withImages = true)
    {
        if (withImages)
        {
            Directory.CreateDirectory(Path.Combine(_dir, "images", "sub"));
            File.WriteAllBytes(Path.Combine(_dir, "images", "a.jpg"), []);
            File.WriteAllBytes(Path.Combine(_dir, "images", "sub", "b.jpg"), []);
        }
        string path = Path.Combine(_dir, "instances.json");
        File.WriteAllText(path, coco.ToJsonString(new() { WriteIndented = true }));
        return path;
    }

    private string ImageDir => Path.Combine(_dir, "images");

    private static JsonObject Annotation(JsonObject coco, int index) => coco["annotations"]![index]!.AsObject();

    [Fact]
    public void Coco_GoodFile_GivesClassesInCategoryIdOrder_PixelCornerBoxes_AndKeepsEmptyImages()
    {
        var data = CocoDatasetReader.Read(WriteCoco(GoodCoco()), ImageDir);

        Assert.Equal(["cat", "dog"], data.ClassNames);
        Assert.Equal([3L, 7L], data.CategoryIds);
        Assert.Equal(2, data.Images.Count);
        var a = data.Images[0];
        Assert.Equal((5L, 100, 80), (a.Id, a.Width, a.Height));
        Assert.Equal(Path.Combine(ImageDir, "a.jpg"), a.Path);
        Assert.Equal(new DatasetObject(2, 10, 20, 40, 60, false, 900.5), a.Objects[0]);
        // Within the 1 px tolerance: clamped to the image; area defaults to the (unclamped) bbox area.
        Assert.Equal(new DatasetObject(1, 0, 0, 100, 80, false, 100.8 * 80), a.Objects[1]);
        Assert.Equal(Path.Combine(ImageDir, "sub", "b.jpg"), data.Images[1].Path);
        Assert.Empty(data.Images[1].Objects);
        Assert.Equal(0, data.SkippedAnnotations);
    }

    [Fact]
    public void Coco_CrowdAnnotation_IsKeptAndFlagged()
    {
        var data = CocoDatasetReader.Read(WriteCoco(GoodCoco()), ImageDir);
        var crowd = data.Images[0].Objects[2];
        Assert.True(crowd.IsCrowd);
        Assert.Equal(300, crowd.Area);
        Assert.Equal(1, data.Images[0].Objects.Count(o => o.IsCrowd));
    }

    [Fact]
    public void Coco_MalformedJson_NamesTheFileAndLine()
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, "{\n  \"images\": [],\n  \"annotations\": [ {\"id\": 1,, } ]\n}");
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, _dir));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Coco_FieldOfTheWrongType_NamesTheAnnotationIndexAndField()
    {
        var coco = GoodCoco();
        Annotation(coco, 1)["bbox"] = "10 20 30 40";
        string path = WriteCoco(coco);
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains(path, e.Message);
        Assert.Contains("annotation index 1, field bbox", e.Message);
        Assert.Contains("expected an array of numbers", e.Message);
        Assert.Contains("line ", e.Message);
    }

    [Fact]
    public void Coco_MissingImageFile_NamesTheImageAndThePath()
    {
        string path = WriteCoco(GoodCoco());
        File.Delete(Path.Combine(ImageDir, "a.jpg"));
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains(path, e.Message);
        Assert.Contains("image id 5 (index 0)", e.Message);
        Assert.Contains(Path.Combine(ImageDir, "a.jpg"), e.Message);
    }

    [Fact]
    public void Coco_UnknownCategory_NamesTheAnnotation()
    {
        var coco = GoodCoco();
        Annotation(coco, 1)["category_id"] = 99;
        string path = WriteCoco(coco);
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains(path, e.Message);
        Assert.Contains("annotation id 11 (index 1)", e.Message);
        Assert.Contains("category_id 99", e.Message);
    }

    [Theory]
    [InlineData(-2, 0, 10, 10)]   // left of the image by 2 px
    [InlineData(95, 10, 7, 10)]   // right edge at 102 of 100
    [InlineData(10, 75, 10, 7)]   // bottom edge at 82 of 80
    [InlineData(200, 200, 10, 10)] // wholly outside
    public void Coco_BoxOutsideTheImage_NamesTheAnnotation(double x, double y, double w, double h)
    {
        var coco = GoodCoco();
        Annotation(coco, 0)["bbox"] = new JsonArray(x, y, w, h);
        string path = WriteCoco(coco);
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains(path, e.Message);
        Assert.Contains("annotation id 10 (index 0)", e.Message);
        Assert.Contains("outside the 100x80 image", e.Message);
    }

    [Theory]
    [InlineData(10, 10, 0, 5)]
    [InlineData(10, 10, 5, 0)]
    [InlineData(10, 10, -3, 5)]
    public void Coco_BoxWithNoArea_NamesTheAnnotation(double x, double y, double w, double h)
    {
        var coco = GoodCoco();
        Annotation(coco, 2)["bbox"] = new JsonArray(x, y, w, h);
        string path = WriteCoco(coco);
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains("annotation id 12 (index 2)", e.Message);
        Assert.Contains("no area", e.Message);
    }

    [Theory]
    [InlineData("bbox", "annotation id 11 (index 1) has no \"bbox\"")]
    [InlineData("image_id", "annotation id 11 (index 1) has no \"image_id\"")]
    [InlineData("category_id", "annotation id 11 (index 1) has no \"category_id\"")]
    [InlineData("id", "annotation at index 1 has no \"id\"")]
    public void Coco_AnnotationMissingAField_NamesTheAnnotationAndField(string field, string expected)
    {
        var coco = GoodCoco();
        Annotation(coco, 1).Remove(field);
        string path = WriteCoco(coco);
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("file_name")]
    [InlineData("width")]
    [InlineData("height")]
    public void Coco_ImageMissingAField_NamesTheImageAndField(string field)
    {
        var coco = GoodCoco();
        coco["images"]![1]!.AsObject().Remove(field);
        string path = WriteCoco(coco);
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(path, ImageDir));
        Assert.Contains($"{path}: image id 9 (index 1): no \"{field}\"", e.Message);
    }

    [Fact]
    public void Coco_AnnotationOfAnUnknownImage_NamesTheAnnotation()
    {
        var coco = GoodCoco();
        Annotation(coco, 0)["image_id"] = 77;
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(WriteCoco(coco), ImageDir));
        Assert.Contains("annotation id 10 (index 0): image_id 77 is not among the images", e.Message);
    }

    [Fact]
    public void Coco_RepeatedIdsAndBadCategories_AreErrorsEvenWhenSkipping()
    {
        var coco = GoodCoco();
        Annotation(coco, 2)["id"] = 10;
        var e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(WriteCoco(coco), ImageDir, skipBad: true));
        Assert.Contains("annotation id 10 (index 2): annotation id 10 appears twice", e.Message);

        coco = GoodCoco();
        coco["categories"]![1]!.AsObject().Remove("name");
        e = Assert.Throws<DatasetException>(() => CocoDatasetReader.Read(WriteCoco(coco), ImageDir, skipBad: true));
        Assert.Contains("category id 3 (index 1) has no \"name\"", e.Message);
    }

    [Fact]
    public void Coco_SkipBad_LeavesOutAndCountsBadAnnotationsAndImagesWithTheirAnnotations()
    {
        var coco = GoodCoco();
        Annotation(coco, 1)["category_id"] = 99;      // one bad annotation
        coco["images"]!.AsArray().Add(new JsonObject { ["id"] = 20, ["file_name"] = "gone.jpg", ["width"] = 10, ["height"] = 10 });
        coco["annotations"]!.AsArray().Add(new JsonObject { ["id"] = 30, ["image_id"] = 20, ["category_id"] = 3, ["bbox"] = new JsonArray(1, 1, 2, 2) });
        coco["annotations"]!.AsArray().Add(new JsonObject { ["id"] = 31, ["image_id"] = 20, ["category_id"] = 7, ["bbox"] = new JsonArray(1, 1, 2, 2) });

        var data = CocoDatasetReader.Read(WriteCoco(coco), ImageDir, skipBad: true);

        Assert.Equal(3, data.SkippedAnnotations); // annotation 11, and 30 and 31 with their missing image
        Assert.Equal(1, data.SkippedImages);
        Assert.Equal([5L, 9L], data.Images.Select(i => i.Id));
        Assert.Equal(2, data.Images[0].Objects.Count);
        Assert.Equal(2, data.SkipReasons.Count);
        Assert.Contains(data.SkipReasons, r => r.Contains("annotation id 11 (index 1)"));
        Assert.Contains(data.SkipReasons, r => r.Contains("image id 20 (index 2)") && r.Contains("gone.jpg"));
    }

    [Fact]
    public void CocoWriter_RoundTrip_GivesTheSameDataset()
    {
        var data = CocoDatasetReader.Read(WriteCoco(GoodCoco()), ImageDir);
        string copy = Path.Combine(_dir, "copy.json");
        CocoDatasetWriter.Write(data, copy, ImageDir);
        var again = CocoDatasetReader.Read(copy, ImageDir);
        Assert.Equal(data.ClassNames, again.ClassNames);
        Assert.Equal(data.CategoryIds, again.CategoryIds);
        Assert.Equal(data.Images.Select(i => (i.Id, i.Path, i.Width, i.Height)), again.Images.Select(i => (i.Id, i.Path, i.Width, i.Height)));
        Assert.Equal(data.Images.SelectMany(i => i.Objects), again.Images.SelectMany(i => i.Objects));
    }

    // ---- VOC ----------------------------------------------------------------------------------------

    private const string GoodXml = """
        <annotation>
          <folder>VOC2007</folder>
          <filename>000001.jpg</filename>
          <size><width>353</width><height>500</height><depth>3</depth></size>
          <object>
            <name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>
            <bndbox><xmin>48</xmin><ymin>240</ymin><xmax>195</xmax><ymax>371</ymax></bndbox>
          </object>
          <object>
            <name>person</name><difficult>1</difficult>
            <bndbox><xmin>8.0</xmin><ymin>12</ymin><xmax>353</xmax><ymax>500</ymax></bndbox>
          </object>
        </annotation>
        """;

    private const string SecondXml = """
        <annotation>
          <size><width>100</width><height>60</height></size>
          <object><name>cat</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>20</ymax></bndbox></object>
        </annotation>
        """;

    private string WriteVoc(string first = GoodXml, string second = SecondXml)
    {
        string root = Path.Combine(_dir, "VOC2007");
        Directory.CreateDirectory(Path.Combine(root, "Annotations"));
        Directory.CreateDirectory(Path.Combine(root, "JPEGImages"));
        Directory.CreateDirectory(Path.Combine(root, "ImageSets", "Main"));
        File.WriteAllText(Path.Combine(root, "Annotations", "000001.xml"), first);
        File.WriteAllText(Path.Combine(root, "Annotations", "2008_000002.xml"), second);
        File.WriteAllBytes(Path.Combine(root, "JPEGImages", "000001.jpg"), []);
        File.WriteAllBytes(Path.Combine(root, "JPEGImages", "2008_000002.jpg"), []);
        File.WriteAllText(Path.Combine(root, "ImageSets", "Main", "train.txt"), "000001\n2008_000002\n\n");
        return root;
    }

    private string VocXml(string root, string id) => Path.Combine(root, "Annotations", id + ".xml");

    [Fact]
    public void Voc_GoodSet_UsesTheTwentyVocClasses_ConvertsOneBasedBoxes_AndFlagsDifficult()
    {
        string root = WriteVoc();
        var data = VocDatasetReader.Read(root, "train");

        Assert.Equal(VocDatasetReader.VocClasses, data.ClassNames);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), data.CategoryIds);
        Assert.Equal(2, data.Images.Count);
        var first = data.Images[0];
        Assert.Equal((1L, 353, 500), (first.Id, first.Width, first.Height));
        Assert.Equal(Path.Combine(root, "JPEGImages", "000001.jpg"), first.Path);
        int dog = VocDatasetReader.VocClasses.ToList().IndexOf("dog") + 1;
        int person = VocDatasetReader.VocClasses.ToList().IndexOf("person") + 1;
        Assert.Equal(new DatasetObject(dog, 47, 239, 195, 371, false, 148.0 * 132), first.Objects[0]);
        Assert.Equal(new DatasetObject(person, 7, 11, 353, 500, true, 346.0 * 489), first.Objects[1]);
        // No <filename>: <id>.jpg.
        Assert.Equal(Path.Combine(root, "JPEGImages", "2008_000002.jpg"), data.Images[1].Path);
        Assert.Equal(2L, data.Images[1].Id);
        Assert.Equal(new DatasetObject(8, 0, 0, 10, 20, false, 200), data.Images[1].Objects[0]);
    }

    [Fact]
    public void Voc_CustomClassNames_GiveTheirOwnIds()
    {
        string root = WriteVoc();
        var data = VocDatasetReader.Read(root, "train", classNames: ["person", "dog", "cat"]);
        Assert.Equal([2, 1], data.Images[0].Objects.Select(o => o.ClassId));
        Assert.Equal(3, data.Images[1].Objects[0].ClassId);
        Assert.Equal([1L, 2L, 3L], data.CategoryIds);
    }

    [Fact]
    public void Voc_MalformedXml_NamesTheFileAndLine()
    {
        string root = WriteVoc(second: "<annotation>\n  <size><width>10</width>\n  <height>10</height></size>\n  <object><name>cat</object>\n</annotation>");
        var e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "train"));
        Assert.Contains(VocXml(root, "2008_000002"), e.Message);
        Assert.Contains("malformed XML at line 4", e.Message);
    }

    [Fact]
    public void Voc_UnknownClass_NamesTheFileAndObject()
    {
        string root = WriteVoc(GoodXml.Replace("<name>person</name>", "<name>persn</name>"));
        var e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "train"));
        Assert.Contains($"{VocXml(root, "000001")}: object 1 'persn'", e.Message);
        Assert.Contains("class 'persn' is not among the 20 classes", e.Message);
    }

    [Theory]
    [InlineData("<xmax>195</xmax>", "<xmax>356</xmax>", "outside the 353x500 image")]
    [InlineData("<xmin>48</xmin>", "<xmin>196</xmin>", "no area")]
    [InlineData("<ymin>240</ymin>", "", "no <bndbox><ymin>")]
    [InlineData("<ymin>240</ymin>", "<ymin>two</ymin>", "<bndbox><ymin> 'two' is not a number")]
    public void Voc_BadBox_NamesTheFileAndObject(string from, string to, string expected)
    {
        string root = WriteVoc(GoodXml.Replace(from, to));
        var e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "train"));
        Assert.Contains($"{VocXml(root, "000001")}: object 0 'dog' (line 5)", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Voc_MissingSizeOrImageOrAnnotation_NamesTheFile()
    {
        string root = WriteVoc(GoodXml.Replace("<width>353</width>", ""));
        var e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "train"));
        Assert.Contains($"{VocXml(root, "000001")}: no <size><width>", e.Message);

        root = WriteVoc();
        File.Delete(Path.Combine(root, "JPEGImages", "000001.jpg"));
        e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "train"));
        Assert.Contains($"{VocXml(root, "000001")}: image file '{Path.Combine(root, "JPEGImages", "000001.jpg")}' does not exist", e.Message);

        root = WriteVoc();
        File.Delete(VocXml(root, "2008_000002"));
        e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "train"));
        Assert.Contains($"{VocXml(root, "2008_000002")}: annotation file of image '2008_000002' does not exist", e.Message);

        e = Assert.Throws<DatasetException>(() => VocDatasetReader.Read(root, "val"));
        Assert.Contains(Path.Combine(root, "ImageSets", "Main", "val.txt"), e.Message);
    }

    [Fact]
    public void Voc_SkipBad_CountsBadObjectsAndImagesWithTheirObjects()
    {
        string root = WriteVoc(GoodXml.Replace("<name>person</name>", "<name>persn</name>"));
        File.Delete(Path.Combine(root, "JPEGImages", "2008_000002.jpg"));
        var data = VocDatasetReader.Read(root, "train", skipBad: true);
        Assert.Single(data.Images);
        Assert.Single(data.Images[0].Objects);
        Assert.Equal(2, data.SkippedAnnotations); // the unknown class, and the cat of the missing image
        Assert.Equal(1, data.SkippedImages);
    }

    // ---- format detection ---------------------------------------------------------------------------

    [Fact]
    public void DatasetReader_PicksCocoForJson_AndVocForADirectoryWithAnnotations()
    {
        string json = WriteCoco(GoodCoco());
        var coco = DatasetReader.Read(json); // images/ beside the file
        Assert.Equal(["cat", "dog"], coco.ClassNames);
        Assert.Equal(json, coco.Source);

        string root = WriteVoc();
        var voc = DatasetReader.Read(root, imageSet: "train");
        Assert.Equal(20, voc.ClassNames.Count);
        Assert.Contains("train", voc.Source);
    }

    [Fact]
    public void DatasetReader_BadPathsAndOptions_AreClearErrors()
    {
        var e = Assert.Throws<DatasetException>(() => DatasetReader.Read(Path.Combine(_dir, "nothing.json")));
        Assert.Contains("no such file or directory", e.Message);
        Assert.Throws<DatasetException>(() => DatasetReader.Read(_dir));
        string root = WriteVoc();
        var a = Assert.Throws<ArgumentException>(() => DatasetReader.Read(root));
        Assert.Contains("needs an image set", a.Message);
        a = Assert.Throws<ArgumentException>(() => DatasetReader.Read(WriteCoco(GoodCoco()), imageSet: "train"));
        Assert.Contains("VOC datasets only", a.Message);
    }
}
