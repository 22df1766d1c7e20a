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

    public static MqttClientOptions Create(MqttSettings settings, MqttTopics topics)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.Host, settings.Port)
            .WithClientId(settings.ClientId)
            .WithKeepAlivePeriod(settings.KeepAlive)
            .WithTimeout(settings.ConnectTimeout)
            .WithCleanSession(true)
            .WithWillTopic(topics.Available)
            .WithWillPayload(Offline)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(settings.Username)) builder.WithCredentials(settings.Username, settings.Password ?? "");
        if (settings.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true).WithTargetHost(settings.Host);
                if (settings.CaFile != null)
                {
                    var chain = new X509Certificate2Collection();
                    chain.ImportFromPemFile(settings.CaFile);
                    tls.WithTrustChain(chain);
                }
                if (settings.ClientCertificateFile != null)
                {
                    var certificate = X509Certificate2.CreateFromPemFile(settings.ClientCertificateFile, settings.ClientKeyFile);
                    tls.WithClientCertificates([certificate]);
                }
                if (settings.AllowUntrustedCertificates) tls.WithAllowUntrustedCertificates(true).WithIgnoreCertificateChainErrors(true);
            });
        }
        return builder.Build();
    }
}
