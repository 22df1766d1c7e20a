"""Runs the fault drills (scripts/drills.sh is the entry point) and prints one line of figures per drill.
Exit code 0 when every drill held, 1 when one did not."""
import argparse
import importlib
import json
import os
import platform
import random
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import ARTIFACTS  # noqa: E402


def _drill(module, function, *extra):
    """The drill module.function(count, rng, *extra from the arguments), imported when it runs."""
    def run(count, rng, args):
        return getattr(importlib.import_module(module), function)(count, rng, *(e(args) for e in extra))
    return run


# name: (what it does, its run(count, rng, args) -> (holds, line, failures), the full count, the quick count)
DRILLS = {
    "rtsp-restarts": ("RTSP camera killed and restarted", _drill("cameras", "rtsp_restarts"), 100, 2),
    "hangs": ("camera hangs: server SIGSTOP, ffmpeg SIGSTOP", _drill("cameras", "hangs"), 20, 2),
    "broker-restarts": ("mosquitto restarted while publishing", _drill("broker", "restarts", lambda a: a.quick), 20, 1),
    "kill-recording": ("SIGKILL of the daemon while recording", _drill("recording", "kills"), 20, 2),
    "kill-train": ("SIGKILL of train, then --resume", _drill("training", "kills", lambda a: a.quick), 5, 1),
    "fuzz-config": ("mutated appsettings.json", _drill("fuzz_config", "run"), 1000, 15),
    "fuzz-models": ("damaged model files, checkpoints and .pth", _drill("fuzz_models", "run"), 500, 10),
    "fuzz-datasets": ("damaged COCO and VOC datasets", _drill("fuzz_datasets", "run"), 200, 6),
    "soak": ("4 cameras for --soak-minutes", _drill("soak", "run", lambda a: a.soak_minutes, lambda a: a.quick), 1, 1),
}


def main():
    parser = argparse.ArgumentParser(prog="scripts/drills.sh", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a short version of each drill (a few minutes in all; CI runs it)")
    parser.add_argument("--only", default="", help="comma-separated drill names: " + ", ".join(DRILLS))
    parser.add_argument("--skip", default="", help="comma-separated drill names to leave out")
    parser.add_argument("--count", type=int, default=0, help="rounds (or mutations) of each drill run, instead of its full or quick count")
    parser.add_argument("--soak-minutes", type=float, default=None, help="length of the soak (default 60; 0.5 with --quick)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock; printed)")
    args = parser.parse_args()
    if args.soak_minutes is None:
        args.soak_minutes = 0.5 if args.quick else 60.0
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    only = [n for n in args.only.split(",") if n]
    skip = [n for n in args.skip.split(",") if n]
    for name in only + skip:
        if name not in DRILLS:
            parser.error(f"unknown drill '{name}'; the drills are {', '.join(DRILLS)}")
    selected = [n for n in DRILLS if (not only or n in only) and n not in skip]
    print(f"drills ({'quick' if args.quick else 'full'}, seed {seed}) on {platform.node()}: {os.cpu_count()} cores, "
          f"{platform.platform()}", flush=True)
    os.makedirs(ARTIFACTS, exist_ok=True)
    summary, all_held = [], True
    for name in selected:
        what, run, full, quick = DRILLS[name]
        count = args.count or (quick if args.quick else full)
        rng = random.Random(f"{seed}-{name}")
        started = time.monotonic()
        try:
            holds, line, failures = run(count, rng, args)
        except Exception as e:  # noqa: BLE001 - a drill that breaks is reported, the others still run
            holds, line, failures = False, f"did not finish: {e}", [traceback.format_exc()]
        took = time.monotonic() - started
        all_held &= holds
        print(f"{name}: {line} [{'holds' if holds else 'FAILS'}, {took / 60:.1f} min]", flush=True)
        for f in failures[:20]:
            print(f"  {f}", flush=True)
        if len(failures) > 20:
            print(f"  ... and {len(failures) - 20} more (artifacts/drills/{name}.json)", flush=True)
        summary.append({"drill": name, "what": what, "count": count, "holds": holds, "figures": line,
                        "failures": failures, "minutes": round(took / 60, 2)})
        with open(os.path.join(ARTIFACTS, f"{name}.json"), "w") as f:
            json.dump(summary[-1], f, indent=1)
    with open(os.path.join(ARTIFACTS, "summary.json"), "w") as f:
        json.dump({"seed": seed, "quick": args.quick, "drills": summary}, f, indent=1)
    print(f"{sum(s['holds'] for s in summary)}/{len(summary)} drills hold", flush=True)
    return 0 if all_held else 1


if __name__ == "__main__":
    sys.exit(main())
