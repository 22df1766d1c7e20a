using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;

namespace SsdStream.Pipeline.Publishing;

/// <summary>Builds MQTTnet client options from <see cref="MqttSettings"/>, with <c>offline</c> as the retained last will.</summary>
public static class MqttClientOptionsFactory
{
    public const string Online = "online";
    public const string Offline = "offline";
    public const string Stopped = "stopped";

    /// <summary>How long one connect attempt may take before it counts as failed.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public static MqttClientOptions Create(MqttSettings settings, MqttEndpoint endpoint, MqttTopics topics)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithClientId(settings.ClientId)
            .WithKeepAlivePeriod(settings.KeepAlive)
            .WithTimeout(ConnectTimeout)
            .WithCleanSession(true)
            .WithWillTopic(topics.Available)
            .WithWillPayload(Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(settings.Username)) builder.WithCredentials(settings.Username, settings.Password);
        if (endpoint.UseTls)
        {
            var tlsSettings = settings.Tls;
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true).WithTargetHost(endpoint.Host);
                if (!string.IsNullOrEmpty(tlsSettings.CaFile))
                {
                    var chain = new X509Certificate2Collection();
                    chain.ImportFromPemFile(tlsSettings.CaFile);
                    tls.WithTrustChain(chain);
                }
                if (!string.IsNullOrEmpty(tlsSettings.ClientCertificate))
                {
                    var certificate = X509Certificate2.CreateFromPemFile(tlsSettings.ClientCertificate, tlsSettings.ClientKey);
                    tls.WithClientCertificates([certificate]);
                }
                if (tlsSettings.AllowUntrusted) tls.WithAllowUntrustedCertificates(true).WithIgnoreCertificateChainErrors(true);
            });
        }
        return builder.Build();
    }
}
