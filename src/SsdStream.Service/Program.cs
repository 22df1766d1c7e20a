using System.CommandLine;
using Ssd.Model.Devices;
using SsdStream.Service.Commands;
using SsdStream.Service.Hosting;

// First of all: one malloc arena for every thread (re-executes in place once; see SingleMallocArena).
SingleMallocArena.Ensure();
// Before anything loads libtorch: its OpenMP threads read their wait policy once, at load.
TorchRuntime.PrepareEnvironment();

var root = new RootCommand("ssdstream: real-time SSD object detection for cameras, with MQTT and recording")
{
    RunCommand.Create(),
    ModelInfoCommand.Create(),
    ImportCommand.Create(),
    DetectCommand.Create(),
    BenchCommand.Create(),
    DatasetCommand.Create(),
    TrainCommand.Create(),
    EvalCommand.Create(),
};
// The Generic Host of `run` handles SIGTERM and SIGINT itself (graceful stop within its timeout).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
