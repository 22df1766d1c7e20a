using System.CommandLine;
using SsdStream.Service.Commands;

var root = new RootCommand("ssdstream: real-time SSD object detection for cameras, with MQTT and recording")
{
    ModelInfoCommand.Create(),
    ImportCommand.Create(),
    DetectCommand.Create(),
    BenchCommand.Create(),
    DatasetCommand.Create(),
    TrainCommand.Create(),
    EvalCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
