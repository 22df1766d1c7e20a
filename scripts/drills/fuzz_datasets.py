"""Dataset fuzz: damaged COCO and Pascal VOC datasets (broken JSON and XML, missing and corrupt images,
boxes outside the image or of no size, unknown categories and classes, wrong types). `ssdstream eval` on
each must exit 2 with one line naming the file and the entry, or succeed; with --skip-bad, what can be
skipped is skipped and counted (exit 0), and what cannot (a file that does not parse, repeated ids) is
still one such line. Never a crash, another exit code or a hang."""
import copy
import glob
import json
import os
import random
import re
import shutil
import xml.etree.ElementTree as ET

from harness import Failures, DEMO_MODEL, DrillFailure, ssdstream, stack_trace, workdir

# Damage that --skip-bad cannot skip: the whole file (or its categories, or its ids) is wrong.
UNSKIPPABLE = {"json-text", "json-top", "duplicate-image-id", "duplicate-annotation-id", "categories", "xml-imageset"}


def _coco_mutation(ann, images_dir, rng):
    """Damages a COCO dataset in place (ann: the parsed JSON). Returns (kind, text to write or None)."""
    kind = rng.choice(["json-text", "json-top", "bbox", "bbox", "box-outside", "box-zero", "unknown-category",
                       "unknown-image", "missing-field", "missing-image", "corrupt-image", "corrupt-image", "image-size",
                       "duplicate-image-id", "duplicate-annotation-id", "categories", "file-name", "wrong-type"])
    annotations, images = ann["annotations"], ann["images"]
    a = rng.choice(annotations)
    image = rng.choice(images)
    if kind == "json-text":
        text = json.dumps(ann, indent=1)
        at = rng.randrange(len(text))
        return kind, rng.choice([text[:at], text[:at] + rng.choice("{}[],:\"") + text[at:], text[:at] + text[at + 1:], ""])
    if kind == "json-top":
        return kind, rng.choice(["[]", "null", "\"annotations\"", "42", "{}"])
    if kind == "bbox":
        a["bbox"] = rng.choice([[1, 2, 3], "10,10,20,20", [None, 1, 2, 3], ["a", 1, 2, 3], [], [1e308, 1, 2, 3], {}])
    elif kind == "box-outside":
        a["bbox"] = rng.choice([[image["width"] + 50, 10, 20, 20], [-40, -40, 10, 10], [10, 10, 10 * image["width"], 20]])
        a["image_id"] = image["id"]
    elif kind == "box-zero":
        a["bbox"] = rng.choice([[10, 10, 0, 20], [10, 10, 20, 0], [10, 10, -5, 20]])
    elif kind == "unknown-category":
        a["category_id"] = rng.choice([999, -1, 0])
    elif kind == "unknown-image":
        a["image_id"] = rng.choice([999999, -3])
    elif kind == "missing-field":
        del a[rng.choice(["id", "image_id", "category_id", "bbox"])]
    elif kind == "missing-image":
        os.remove(os.path.join(images_dir, image["file_name"]))
    elif kind == "corrupt-image":
        path = os.path.join(images_dir, image["file_name"])
        with open(path, "rb") as f:
            data = f.read()
        damaged = rng.choice([b"", data[:rng.randrange(1, 200)], bytes(rng.randrange(256) for _ in range(500)), b"GIF89a" + data[6:100],
                              data[:20] + bytes(len(data) - 20)])
        with open(path, "wb") as f:
            f.write(damaged)
    elif kind == "image-size":
        image[rng.choice(["width", "height"])] = rng.choice([0, -10, None, "wide", 1e308])
    elif kind == "duplicate-image-id":
        images.append(dict(image))
    elif kind == "duplicate-annotation-id":
        annotations.append(dict(a))
    elif kind == "categories":
        c = rng.choice(ann["categories"])
        change = rng.choice(["no-name", "same-name", "none", "no-id"])
        if change == "no-name":
            c["name"] = ""
        elif change == "same-name":
            c["name"] = ann["categories"][0]["name"] if c is not ann["categories"][0] else ann["categories"][1]["name"]
        elif change == "none":
            ann["categories"] = []
        else:
            del c["id"]
    elif kind == "file-name":
        image["file_name"] = rng.choice(["", "nope.jpg", "../annotations.json", "ünï/ćödé.jpg", "/dev/null", None])
    elif kind == "wrong-type":
        rng.choice([a, image])["id"] = rng.choice(["seven", 1.5, None, [1]])
    return kind, None


def _voc_from_coco(coco_json, images_dir, voc):
    """Writes the COCO dataset as Pascal VOC folders (Annotations, JPEGImages, ImageSets/Main/val.txt)."""
    with open(coco_json) as f:
        ann = json.load(f)
    names = {c["id"]: c["name"] for c in ann["categories"]}
    for sub in ("Annotations", "JPEGImages", "ImageSets/Main"):
        os.makedirs(os.path.join(voc, sub), exist_ok=True)
    ids = []
    for image in ann["images"]:
        vid = os.path.splitext(os.path.basename(image["file_name"]))[0]
        ids.append(vid)
        shutil.copy(os.path.join(images_dir, image["file_name"]), os.path.join(voc, "JPEGImages", vid + ".jpg"))
        root = ET.Element("annotation")
        ET.SubElement(root, "filename").text = vid + ".jpg"
        size = ET.SubElement(root, "size")
        ET.SubElement(size, "width").text = str(image["width"])
        ET.SubElement(size, "height").text = str(image["height"])
        ET.SubElement(size, "depth").text = "3"
        for a in ann["annotations"]:
            if a["image_id"] != image["id"]:
                continue
            x, y, w, h = a["bbox"]
            o = ET.SubElement(root, "object")
            ET.SubElement(o, "name").text = names[a["category_id"]]
            ET.SubElement(o, "difficult").text = "0"
            box = ET.SubElement(o, "bndbox")
            for tag, value in (("xmin", x + 1), ("ymin", y + 1), ("xmax", x + w), ("ymax", y + h)):
                ET.SubElement(box, tag).text = str(int(round(value)))
        ET.ElementTree(root).write(os.path.join(voc, "Annotations", vid + ".xml"))
    with open(os.path.join(voc, "ImageSets", "Main", "val.txt"), "w") as f:
        f.write("\n".join(ids) + "\n")


def _voc_mutation(voc, rng):
    """Damages a VOC folder in place; returns the kind."""
    xmls = sorted(glob.glob(os.path.join(voc, "Annotations", "*.xml")))
    path = rng.choice(xmls)
    vid = os.path.splitext(os.path.basename(path))[0]
    kind = rng.choice(["xml-text", "xml-size", "xml-box", "xml-box", "xml-class", "xml-object", "missing-xml",
                       "missing-image", "corrupt-image", "xml-imageset", "xml-difficult"])
    if kind == "xml-text":
        with open(path) as f:
            text = f.read()
        at = rng.randrange(len(text))
        with open(path, "w") as f:
            f.write(rng.choice([text[:at], text[:at] + "<" + text[at:], text.replace("</annotation>", ""), "", "not xml"]))
        return kind
    tree = ET.parse(path)
    root = tree.getroot()
    objects = root.findall("object")
    if kind == "xml-size":
        size = root.find("size")
        change = rng.choice(["remove", "text", "zero"])
        if change == "remove":
            root.remove(size)
        else:
            size.find(rng.choice(["width", "height"])).text = "abc" if change == "text" else "0"
    elif kind == "xml-box" and objects:
        box = rng.choice(objects).find("bndbox")
        change = rng.choice(["swap", "outside", "text", "remove-field", "zero"])
        if change == "swap":
            box.find("xmin").text, box.find("xmax").text = box.find("xmax").text, box.find("xmin").text
        elif change == "outside":
            box.find("xmax").text = "100000"
        elif change == "text":
            box.find("ymin").text = "1,5"
        elif change == "remove-field":
            box.remove(box.find("ymax"))
        else:
            box.find("xmax").text = box.find("xmin").text
    elif kind == "xml-class" and objects:
        rng.choice(objects).find("name").text = rng.choice(["dragon", "", "Circle"])
    elif kind == "xml-object" and objects:
        o = rng.choice(objects)
        o.remove(o.find(rng.choice(["name", "bndbox"])))
    elif kind == "xml-difficult" and objects:
        rng.choice(objects).find("difficult").text = rng.choice(["yes", "2", ""])
    elif kind == "missing-xml":
        os.remove(path)
        return kind
    elif kind == "missing-image":
        os.remove(os.path.join(voc, "JPEGImages", vid + ".jpg"))
        return kind
    elif kind == "corrupt-image":
        with open(os.path.join(voc, "JPEGImages", vid + ".jpg"), "wb") as f:
            f.write(bytes(rng.randrange(256) for _ in range(300)))
        return kind
    elif kind == "xml-imageset":
        with open(os.path.join(voc, "ImageSets", "Main", "val.txt"), "a") as f:
            f.write(rng.choice(["", "ghost_id\n", "\0\n", "a b c\n"]))
        return kind
    tree.write(path)
    return kind


def _names_file_and_entry(line):
    """Whether an error line names a file (a path) and the entry: an index, an id, an object, a line, or the
    image's own file (a VOC annotation is one XML file per image; an image file that does not decode)."""
    return bool(re.search(r"error: /\S+", line)
                and re.search(r"(index|id |object|line \d|image \d|annotation|entry|\.xml: |\bno \")", line))


# libjpeg's own warnings, which it prints itself while it decodes a damaged JPEG (no library hook silences them).
LIBJPEG = re.compile(r"^(Premature end of JPEG file|Corrupt JPEG data|Invalid SOS parameters|Bogus |Unsupported marker|"
                     r"Not a JPEG file|JPEG datastream contains no image|Huffman table|Quantization table|Warning: )")


def _check(label, kind, args, failures, outcomes):
    code, out, err = ssdstream([*args], timeout=300)
    lines = [l for l in err.splitlines() if l.strip() and not LIBJPEG.match(l)]
    if code is None or stack_trace(out + err) or code not in (0, 2):
        failures.append(f"{label}: exit {code}: {(out + err).strip()[-700:]}")
        outcomes["crash"] += 1
        return
    skip = "--skip-bad" in args
    if code == 2:
        if len(lines) != 1 or not lines[0].startswith("error: ") or not _names_file_and_entry(lines[0]):
            failures.append(f"{label}: exit 2 with {err.strip()[:500]!r}")
        elif skip and kind not in UNSKIPPABLE and "malformed JSON" not in lines[0] and "malformed XML" not in lines[0]:
            failures.append(f"{label}: --skip-bad did not skip: {lines[0][:300]}")
        outcomes["error" if not skip else "skip-error"] += 1
        return
    counts = re.findall(r"skipped (\d+) bad annotations and (\d+) images|skipped (\d+) images that cannot be decoded", err)
    skipped = sum(int(value) for found in counts for value in found if value)
    if skip and skipped > 0:
        outcomes["skipped"] += 1
    else:
        outcomes["clean"] += 1


def run(count, rng):
    root = workdir("fuzz-datasets")
    base = os.path.join(root, "base")
    code, out, err = ssdstream(["dataset", "synth", "--out", base, "--images", "6", "--seed", "21", "--val-fraction", "0"], timeout=300)
    if code != 0:
        raise DrillFailure(f"dataset synth exited {code}: {err}")
    coco_dir = os.path.join(base, "train")
    base_voc = os.path.join(root, "base-voc")
    _voc_from_coco(os.path.join(coco_dir, "annotations.json"), os.path.join(coco_dir, "images"), base_voc)
    with open(os.path.join(coco_dir, "annotations.json")) as f:
        coco = json.load(f)
    outcomes = {"error": 0, "skip-error": 0, "skipped": 0, "clean": 0, "crash": 0}
    failures, kinds = Failures("fuzz-datasets"), {}
    eval_args = ["eval", "--model", DEMO_MODEL, "--batch", "4", "--threads", "1", "--device", "cpu"]
    for i in range(count):
        case = os.path.join(root, "case")
        shutil.rmtree(case, ignore_errors=True)
        if rng.random() < 0.6:
            shutil.copytree(coco_dir, case)
            ann = copy.deepcopy(coco)
            kind, text = _coco_mutation(ann, os.path.join(case, "images"), rng)
            with open(os.path.join(case, "annotations.json"), "w") as f:
                f.write(text if text is not None else json.dumps(ann))
            data = [os.path.join(case, "annotations.json")]
            what = "coco"
        else:
            shutil.copytree(base_voc, case)
            kind = _voc_mutation(case, rng)
            data = [case, "--image-set", "val"]
            what = "voc"
        kinds[kind] = kinds.get(kind, 0) + 1
        label = f"{i + 1}: {what} {kind}"
        _check(label, kind, [*eval_args, "--data", *data], failures, outcomes)
        _check(label + " --skip-bad", kind, [*eval_args, "--data", *data, "--skip-bad"], failures, outcomes)
    line = (f"{count} damaged datasets ({len(kinds)} kinds, COCO and VOC), each evaluated without and with --skip-bad: "
            f"{outcomes['error']} stopped with one line naming the file and entry, {outcomes['skipped']} --skip-bad runs "
            f"skipped and counted, {outcomes['skip-error']} --skip-bad runs stopped on what cannot be skipped, "
            f"{outcomes['clean']} ran clean (damage that is not an error), {outcomes['crash']} crashes or hangs; "
            f"{len(failures)} failures")
    return not failures, line, failures
