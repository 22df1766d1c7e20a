using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;

namespace SsdStream.Pipeline.Publishing;

/// <summary>
/// Builds MQTTnet client options from <see cref="MqttSettings"/> for a <see cref="MqttPresence"/>: MQTT 5,
/// a clean start with a session that ends with the connection (session expiry 0: the daemon subscribes to
/// nothing, and what the broker has not acknowledged waits in its own outbox, so a session the broker kept
/// would only hold state nobody asks for), and the presence's retained last will.
/// </summary>
public static class MqttClientOptionsFactory
{
    /// <summary>How long one connect attempt may take before it counts as failed.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public static MqttClientOptions Create(MqttSettings settings, MqttEndpoint endpoint, MqttPresence presence) =>
        Builder(settings, endpoint, presence.ClientId)
            .WithWillTopic(presence.Will.Topic)
            .WithWillPayload(presence.Will.Payload)
            .WithWillRetain(presence.Will.Retain)
            .WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)Math.Clamp(presence.Will.Qos, 0, 2))
            .Build();

    /// <summary>The options of a client without a will (the start's look at the site, <see cref="SiteCameraOwners"/>).</summary>
    public static MqttClientOptions Create(MqttSettings settings, MqttEndpoint endpoint, string clientId) => Builder(settings, endpoint, clientId).Build();

    private static MqttClientOptionsBuilder Builder(MqttSettings settings, MqttEndpoint endpoint, string clientId)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithClientId(clientId)
            .WithKeepAlivePeriod(settings.KeepAlive)
            .WithTimeout(ConnectTimeout)
            .WithCleanStart(true)
            .WithSessionExpiryInterval(0);
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
        return builder;
    }
}
