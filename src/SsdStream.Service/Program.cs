using SsdStream.Service.Commands;
using SsdStream.Service.Hosting;

// First of all, before anything loads libtorch: one malloc arena for every thread and a sleeping OpenMP
// wait policy (re-executes in place once; see NativeEnvironment).
NativeEnvironment.Ensure();

return await Cli.InvokeAsync(args);
