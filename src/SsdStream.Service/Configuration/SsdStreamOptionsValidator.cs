using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using SsdStream.Pipeline;
using SsdStream.Pipeline.Sources;
using SsdStream.Pipeline.Tracking;

namespace SsdStream.Service.Configuration;

/// <summary>
/// Checks the bound configuration (paths already resolved) at start, before any part starts; every
/// failure names its key (<c>SsdStream:Cameras:0:Type</c>) and what it got, so the user knows what to fix.
/// </summary>
public static partial class SsdStreamOptionsValidator
{
    /// <summary>Every problem of <paramref name="o"/>, as "key: message"; empty when it is good.</summary>
    public static IReadOnlyList<string> Validate(SsdStreamOptions o)
    {
        var errors = new List<string>();
        bool Check(bool ok, string key, string message)
        {
            if (!ok) errors.Add($"{SsdStreamOptions.Section}:{key}: {message}");
            return ok;
        }

        // A list of labels: every entry a label (JSON's null or "" in a list binds as an entry).
        void Labels(IReadOnlyList<string>? labels, string key)
        {
            for (int i = 0; i < (labels ?? []).Count; i++)
                Check(!string.IsNullOrWhiteSpace(labels![i]), $"{key}:{i}", "must be a label, not empty");
        }

        Check(CameraName().IsMatch(o.Instance.Name), "Instance:Name",
            $"must be 1 to 64 letters, digits, '-' or '_' (got '{o.Instance.Name}'); it names this daemon in topics, and defaults to the host name");
        // A duration (given in seconds, or in the unit the key is written in).
        bool Seconds(double seconds, string key, bool allowZero, string unit = "seconds", double? written = null, double secondsPerUnit = 1) =>
            Check(SettingLimits.IsDuration(seconds, allowZero), key, $"must be {SettingLimits.DurationRule(allowZero, unit, secondsPerUnit)} (got {SettingLimits.Show(written ?? seconds)})");

        var model = o.Model;
        if (Check(!string.IsNullOrWhiteSpace(model.Path), "Model:Path", "is required (a model file from `ssdstream import` or `ssdstream train`)"))
            Check(File.Exists(model.Path), "Model:Path", $"file '{model.Path}' does not exist");
        Check(model.Device is "auto" or "cpu" or "cuda" || model.Device?.StartsWith("cuda:", StringComparison.Ordinal) == true, "Model:Device", $"must be auto, cpu, cuda or cuda:N (got '{model.Device}')");
        Check(Ssd.Model.Inference.InferenceEngines.IsName(model.Engine), "Model:Engine", $"must be one of {string.Join(", ", Ssd.Model.Inference.InferenceEngines.Names)} (got '{model.Engine}')");
        Check(model.Threads is >= 0 and <= MaxThreads, "Model:Threads", $"must be 0..{MaxThreads} (got {model.Threads})");
        Check(model.ScoreThreshold is >= 0 and < 1, "Model:ScoreThreshold", $"must be in [0, 1) (got {model.ScoreThreshold})");
        Check(model.NmsThreshold is > 0 and <= 1, "Model:NmsThreshold", $"must be in (0, 1] (got {model.NmsThreshold})");
        Check(model.MaxDetections >= 1, "Model:MaxDetections", $"must be at least 1 (got {model.MaxDetections})");
        Check(o.Inference.MaxBatch is >= 1 and <= MaxBatch, "Inference:MaxBatch", $"must be 1..{MaxBatch} (got {o.Inference.MaxBatch})");
        Seconds(o.Inference.MaxWaitMs / 1000, "Inference:MaxWaitMs", allowZero: true, "milliseconds", o.Inference.MaxWaitMs, 0.001);
        Seconds(o.ShutdownTimeoutSeconds, "ShutdownTimeoutSeconds", allowZero: false);
        Seconds(o.StatusIntervalSeconds, "StatusIntervalSeconds", allowZero: true);

        Check(o.Cameras.Any(c => c is { Enabled: true }), "Cameras", "no enabled camera is configured");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < o.Cameras.Count; i++)
        {
            var c = o.Cameras[i];
            string k = $"Cameras:{i}";
            if (!Check(c is not null, k, "is empty")) continue;
            if (Check(c!.Name is { } name && CameraName().IsMatch(name), $"{k}:Name", $"must be 1 to 64 letters, digits, '-' or '_' (got '{c.Name}')"))
                Check(names.Add(c.Name), $"{k}:Name", $"'{c.Name}' is used by another camera");
            if (!Check(c.Type is not null, $"{k}:Type", $"is required; use one of {string.Join(", ", OptionsShape.AllowedValues(typeof(CameraType)))}")) continue;
            if (!c.Enabled) continue;
            var source = c.Source ?? "";
            switch (c.Type)
            {
                case CameraType.File:
                    Check(File.Exists(source), $"{k}:Source", $"file '{source}' does not exist");
                    break;
                case CameraType.Device:
                    Check(int.TryParse(source, out _) || source.StartsWith("/dev/", StringComparison.Ordinal), $"{k}:Source", $"must be a device path like /dev/video0 or an index (got '{UrlMasker.Mask(source)}')");
                    break;
                case CameraType.Stream:
                    Check(FfmpegFrameSource.IsNetworkUrl(source), $"{k}:Source", $"must be a URL starting with {string.Join(", ", FfmpegFrameSource.Schemes)} (got '{UrlMasker.Mask(source)}')");
                    break;
                case CameraType.Synthetic:
                    var s = c.Synthetic;
                    Check(s.Width is >= 64 and <= 4096, $"{k}:Synthetic:Width", $"must be 64..4096 (got {s.Width})");
                    Check(s.Height is >= 64 and <= 4096, $"{k}:Synthetic:Height", $"must be 64..4096 (got {s.Height})");
                    Check(s.Fps is > 0 and <= 120, $"{k}:Synthetic:Fps", $"must be in (0, 120] (got {s.Fps})");
                    Check(s.MinObjectSize is > 0 and <= 0.9, $"{k}:Synthetic:MinObjectSize", $"must be in (0, 0.9] of the short side (got {s.MinObjectSize})");
                    Check(s.MaxObjectSize >= s.MinObjectSize && s.MaxObjectSize <= 0.9, $"{k}:Synthetic:MaxObjectSize", $"must be in [MinObjectSize, 0.9] (got {s.MaxObjectSize})");
                    break;
            }
            Check(c.MaxFps >= 0, $"{k}:MaxFps", $"cannot be negative (got {c.MaxFps})");
            Seconds(c.StallTimeoutSeconds, $"{k}:StallTimeoutSeconds", allowZero: false);
            Seconds(c.ReconnectInitialSeconds, $"{k}:ReconnectInitialSeconds", allowZero: false);
            if (Seconds(c.ReconnectMaxSeconds, $"{k}:ReconnectMaxSeconds", allowZero: false))
                Check(c.ReconnectMaxSeconds >= c.ReconnectInitialSeconds, $"{k}:ReconnectMaxSeconds", $"must be at least ReconnectInitialSeconds (got {c.ReconnectMaxSeconds})");
            Check(c.QueueCapacity >= 1, $"{k}:QueueCapacity", $"must be at least 1 (got {c.QueueCapacity})");
            Check(c.Filter.MinScore is >= 0 and <= 1, $"{k}:Filter:MinScore", $"must be in [0, 1] (got {c.Filter.MinScore})");
            Check(c.Filter.MinArea >= 0, $"{k}:Filter:MinArea", $"cannot be negative (got {c.Filter.MinArea})");
            Labels(c.Filter.Labels, $"{k}:Filter:Labels");
            Labels(c.Filter.ExcludeLabels, $"{k}:Filter:ExcludeLabels");
            foreach (var line in (c.Tracker ?? new()).Validate()) Check(false, $"{k}:Tracker", line);
            for (int j = 0; j < (c.Zones ?? []).Count; j++)
            {
                if (!Check(c.Zones![j] is not null, $"{k}:Zones:{j}", "is empty")) continue;
                foreach (var line in c.Zones[j].Validate()) Check(false, $"{k}:Zones:{j}", line);
                Labels(c.Zones[j].Labels, $"{k}:Zones:{j}:Labels");
                Check(!names.Contains(c.Zones[j].Name) && !o.Cameras.Any(other => other?.Name == c.Zones[j].Name), $"{k}:Zones:{j}:Name",
                    $"'{c.Zones[j].Name}' is also a camera's name; zone and camera names share the topics <prefix>/<name>/<label>");
            }
            for (int j = 0; j < (c.Masks ?? []).Count; j++)
            {
                if (!Check(c.Masks![j] is not null, $"{k}:Masks:{j}", "is empty")) continue;
                foreach (var line in c.Masks[j].Validate(j)) Check(false, $"{k}:Masks:{j}", line);
                Labels(c.Masks[j].Labels, $"{k}:Masks:{j}:Labels");
            }
        }
        foreach (var line in ZoneSettings.ValidateUniqueNames(o.Cameras.Where(c => c != null).SelectMany(c => c.Zones ?? []).Where(z => z != null)))
            Check(false, "Cameras:*:Zones", line);

        foreach (var line in (o.Snapshots ?? new()).Validate()) Check(false, "Snapshots", line);
        foreach (var line in (o.Http ?? new()).Validate())
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            Check(false, "Http:" + line[..colon], line[(colon + 2)..]);
        }

        var m = o.Mqtt;
        Check(m.Port is > 0 and < 65536, "Mqtt:Port", $"must be 1..65535 (got {m.Port})");
        Check(m.EmbeddedPort is >= 0 and < 65536, "Mqtt:EmbeddedPort", $"must be 0..65535 (got {m.EmbeddedPort})");
        Check(m.Qos is >= 0 and <= 2, "Mqtt:Qos", $"must be 0, 1 or 2 (got {m.Qos})");
        Check(m.KeepAliveSeconds is > 0 and <= ushort.MaxValue, "Mqtt:KeepAliveSeconds", $"must be above 0 and at most 65535, MQTT's limit (got {m.KeepAliveSeconds})");
        Check(m.OutboxSize >= 1, "Mqtt:OutboxSize", $"must be at least 1 (got {m.OutboxSize})");
        Seconds(m.StatsIntervalSeconds, "Mqtt:StatsIntervalSeconds", allowZero: true);
        Check(m.TopicPrefix is { } prefix && TopicLevels().IsMatch(prefix), "Mqtt:TopicPrefix", $"must be a topic without wildcards (got '{m.TopicPrefix}')");
        Check(m.HomeAssistant.DiscoveryPrefix is { } discovery && TopicLevels().IsMatch(discovery), "Mqtt:HomeAssistant:DiscoveryPrefix", $"must be a topic without wildcards (got '{m.HomeAssistant.DiscoveryPrefix}')");
        Check(m.DetectionExpirySeconds >= 0, "Mqtt:DetectionExpirySeconds", $"cannot be negative (got {m.DetectionExpirySeconds})");
        if (m.Tls.Enabled)
        {
            Check(!m.UsesEmbeddedBroker, "Mqtt:Tls:Enabled", "TLS needs an external broker (Mqtt:Host)");
            var ca = m.Tls.CaFile;
            if (!string.IsNullOrEmpty(ca) && Check(File.Exists(ca), "Mqtt:Tls:CaFile", $"file '{ca}' cannot be read"))
            {
                Check(LoadsAs(() => { var c = new X509Certificate2Collection(); c.ImportFromPemFile(ca); return c.Count > 0; }, out var why),
                    "Mqtt:Tls:CaFile", $"file '{ca}' holds no PEM certificate ({why})");
            }
            var certificate = m.Tls.ClientCertificate;
            if (!string.IsNullOrEmpty(certificate))
            {
                var key = string.IsNullOrEmpty(m.Tls.ClientKey) ? null : m.Tls.ClientKey;
                if (Check(File.Exists(certificate), "Mqtt:Tls:ClientCertificate", $"file '{certificate}' cannot be read")
                    && Check(key != null && File.Exists(key), "Mqtt:Tls:ClientKey", "a client certificate needs its key file"))
                {
                    Check(LoadsAs(() => { using var c = X509Certificate2.CreateFromPemFile(certificate, key); return c.HasPrivateKey; }, out var why),
                        "Mqtt:Tls:ClientCertificate", $"'{certificate}' with key '{key}' cannot be loaded as a PEM certificate and unencrypted private key ({why})");
                }
            }
        }

        if (o.Events.Enabled && o.Events.UsesServer)
        {
            try
            {
                SsdStream.Pipeline.Events.PostgresEventStore.Parse(o.Events.ConnectionString);
            }
            catch (SsdStream.Pipeline.Events.EventStoreConnectionException e)
            {
                Check(false, "Events:ConnectionString", e.Message); // never the string itself: it may hold a password
            }
        }

        var r = o.Recording;
        if (r.Enabled)
        {
            if (Seconds(r.SegmentSeconds, "Recording:SegmentSeconds", allowZero: false))
                Check(r.SegmentSeconds >= 1, "Recording:SegmentSeconds", $"must be at least 1 (got {r.SegmentSeconds})");
            Seconds(r.PreRollSeconds, "Recording:PreRollSeconds", allowZero: true);
            Seconds(r.PostRollSeconds, "Recording:PostRollSeconds", allowZero: true);
            Seconds(r.MaxAgeHours * 3600, "Recording:MaxAgeHours", allowZero: true, "hours", r.MaxAgeHours, 3600);
            Check(r.MaxSizeMb >= 0, "Recording:MaxSizeMb", $"cannot be negative (got {r.MaxSizeMb})");
            Check(r.QueueFrames >= 1, "Recording:QueueFrames", $"must be at least 1 (got {r.QueueFrames})");
            Seconds(r.RetentionCheckSeconds, "Recording:RetentionCheckSeconds", allowZero: false);
            Check(r.EventMinScore is >= 0 and <= 1, "Recording:EventMinScore", $"must be in [0, 1] (got {r.EventMinScore})");
            Labels(r.EventLabels, "Recording:EventLabels");
            Check(!string.IsNullOrWhiteSpace(r.Directory), "Recording:Directory", "is required");
        }
        return errors;
    }

    /// <summary>The most frames per batch (each takes a 300x300x3 float buffer; a typo of 1e9 would not fit in memory).</summary>
    public const int MaxBatch = 256;

    /// <summary>The most torch threads (libtorch would try to start that many).</summary>
    public const int MaxThreads = 1024;

    /// <summary>Runs a load; false with the reason when it fails or finds nothing.</summary>
    private static bool LoadsAs(Func<bool> load, out string why)
    {
        try
        {
            why = "nothing usable in it";
            return load();
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            why = e.Message;
            return false;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex CameraName();

    [GeneratedRegex("^[^#+\\s]+$")]
    private static partial Regex TopicLevels();
}
