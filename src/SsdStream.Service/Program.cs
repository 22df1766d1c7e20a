using System.CommandLine;
using SsdStream.Service.Commands;
using SsdStream.Service.Hosting;

// First of all, before anything loads libtorch: one malloc arena for every thread and a sleeping OpenMP
// wait policy (re-executes in place once; see NativeEnvironment).
NativeEnvironment.Ensure();

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
