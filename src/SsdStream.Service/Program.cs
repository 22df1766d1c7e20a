using Ssd.Model.Networks;
using static TorchSharp.torch;
Ssd.Model.Devices.TorchRuntime.Initialise(2);
Console.WriteLine(Ssd.Model.Devices.TorchRuntime.NnpackDisabled);
foreach (var a in SsdArchitecture.All)
{
    var net = a.CreateNetwork(81);
    net.eval();
    long p = net.parameters().Sum(t => t.numel());
    using var x = randn(1, 3, 300, 300);
    using var _ = no_grad();
    var sw = System.Diagnostics.Stopwatch.StartNew();
    var (l, c) = net.forward(x);
    Console.WriteLine($"{a.Name} params {p} boxes {a.BoxConfig.BoxCount} locs {string.Join(",", l.shape)} confs {string.Join(",", c.shape)} {sw.ElapsedMilliseconds} ms");
    foreach (var (n, t) in net.state_dict().Take(3)) Console.WriteLine($"  {n} {string.Join(",", t.shape)}");
}
