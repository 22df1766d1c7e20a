using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SsdStream.Service.Configuration;
using SsdStream.Service.Hosting;

namespace SsdStream.Service.Tests;

/// <summary>One budget, <c>ShutdownTimeoutSeconds</c>, covers the whole stop, whatever a part does.</summary>
public sealed class StopBudgetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ssd-budget-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The daemon in this process: the random model, one synthetic camera recording 60-s segments, the broker, and the extra part.</summary>
    private IHost RecordingDaemon(int brokerPort, double budget, Action<IServiceCollection> addPart)
    {
        var json = DaemonProcess.Configuration(DaemonProcess.WriteRandomModel(_dir), brokerPort);
        json["SsdStream"]!["Recording"] = new JsonObject
        {
            ["Enabled"] = true, ["Directory"] = "rec", ["Mode"] = "continuous", ["SegmentSeconds"] = 60,
        };
        json["SsdStream"]!["ShutdownTimeoutSeconds"] = budget;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()))).Build();
        return DaemonHost.Build(configuration, DaemonConfiguration.Bind(configuration, new ContentRoot(_dir)), addPart);
    }

    /// <summary>A part whose stop never ends and ignores its token (a hung network call, a deadlock).</summary>
    private sealed class NeverStops : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => new TaskCompletionSource().Task;
    }

    [Fact]
    public async Task APartThatNeverStops_TheDaemonStillStopsWithinItsBudget_HavingClosedTheSegmentAndPublishedStopped()
    {
        const double budget = 3;
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        // Added last, so it starts last and is the first the host stops: everything else waits behind it.
        using var host = RecordingDaemon(broker.Port, budget, services => services.AddHostedService<NeverStops>());
        var run = DaemonHost.RunAsync(host, CancellationToken.None);

        await subscriber.WaitFor(m => m.Count(x => x.Topic == "ssdstream/cam1/detections") >= 3, TimeSpan.FromSeconds(60), "three detection messages");
        var rec = Path.Combine(_dir, "rec", "cam1");
        Assert.NotEmpty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));

        var stopping = Stopwatch.StartNew();
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        int code = await run.WaitAsync(TimeSpan.FromSeconds(60));
        stopping.Stop();

        Assert.Equal(0, code);
        Assert.True(stopping.Elapsed.TotalSeconds <= budget + 2, $"the stop took {stopping.Elapsed.TotalSeconds:0.0} s");
        Assert.Empty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));
        Assert.Single(Directory.GetFiles(rec, "*.mp4", SearchOption.AllDirectories));
        await subscriber.WaitFor(m => m.LastOrDefault(x => x.Topic == DaemonProcess.Available).Payload == "stopped", TimeSpan.FromSeconds(5), "available = stopped");
    }

    /// <summary>A part whose work fails a moment after the start (a lost disk, a library's bug).</summary>
    private sealed class FailsSoon : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), stoppingToken);
            throw new IOException("the disk went away");
        }
    }

    [Fact]
    public async Task APartThatFails_StopsTheDaemonWithExitCode1_HavingClosedTheSegmentAndPublishedStopped()
    {
        using var broker = new MosquittoBroker();
        await using var subscriber = new MqttTestSubscriber(broker.Port, "ssdstream/#");
        await subscriber.StartAsync();
        using var host = RecordingDaemon(broker.Port, 10, services => services.AddHostedService<FailsSoon>());

        int code = await DaemonHost.RunAsync(host, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(1, code);
        var rec = Path.Combine(_dir, "rec", "cam1");
        Assert.Empty(Directory.GetFiles(rec, "*.part.*", SearchOption.AllDirectories));
        Assert.Single(Directory.GetFiles(rec, "*.mp4", SearchOption.AllDirectories));
        await subscriber.WaitFor(m => m.LastOrDefault(x => x.Topic == DaemonProcess.Available).Payload == "stopped", TimeSpan.FromSeconds(5), "available = stopped");
    }
}
