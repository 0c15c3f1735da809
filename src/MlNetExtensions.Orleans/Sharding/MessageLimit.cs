using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlNetExtensions.Data;
using Orleans.Configuration;

namespace MlNetExtensions.Sharding;

/// <summary>
/// Orleans' limit on one message's body (<see cref="MessagingOptions.MaxMessageBodySize"/>, 100 MB by default), checked
/// before a fit reads anything: a shard's answer over it makes the runtime close the connection, which the fit would take
/// for a cluster error and retry until <see cref="DistributedFitOptions.RetryTimeout"/>.
/// </summary>
internal static class MessageLimit
{
    /// <summary>Bytes a shard's answer carries besides its doubles (Orleans' headers, the record's other fields), with room to spare.</summary>
    public const long Overhead = 64 * 1024;

    /// <summary>
    /// The limit the client applies: a cluster client's <see cref="ClientMessagingOptions"/>, or Orleans' default when the
    /// factory is not a cluster client (a grain's own factory, inside a silo). The silos apply their own (SiloMessagingOptions,
    /// the same default), which this side cannot read: set both alike.
    /// </summary>
    public static int Of(IGrainFactory client)
        => client is IClusterClient { ServiceProvider: { } services }
            ? services.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.MaxMessageBodySize
            : new ClientMessagingOptions().MaxMessageBodySize;

    /// <summary>Bytes of a shard's normal-equation statistics at d features: the upper triangle of (d + 2)² sums and the d + 1 shifts.</summary>
    public static long NormalEquationBytes(int featureCount)
    {
        long m = featureCount + 2L;
        return 8 * (m * (m + 1) / 2 + featureCount + 1);
    }

    /// <summary>Bytes of a shard's Hessian at d features: the upper triangle of (d + 1)² sums.</summary>
    public static long HessianBytes(int featureCount)
    {
        long m = featureCount + 1L;
        return 8 * (m * (m + 1) / 2);
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> when a shard's answer of <paramref name="payloadBytes"/> does not fit in <paramref name="limit"/>.</summary>
    /// <param name="payloadBytes">The answer's doubles, in bytes.</param>
    /// <param name="limit">The MaxMessageBodySize in force.</param>
    /// <param name="what">What the answer is, naming d (e.g. "A shard's Newton Hessian at d = 6,000 features").</param>
    /// <param name="remedy">The options that avoid the answer, if any, ending without a full stop.</param>
    public static void Require(long payloadBytes, int limit, string what, string remedy)
    {
        if (payloadBytes + Overhead <= limit) return;
        throw new InvalidOperationException(
            $"{what} is {MemoryBudget.Describe(payloadBytes)}, one Orleans message over its MaxMessageBodySize of {MemoryBudget.Describe(limit)} " +
            $"(Orleans would close the connection on it). {remedy}, or raise MaxMessageBodySize above {MemoryBudget.Describe(payloadBytes + Overhead)} " +
            "on the client (ClientMessagingOptions) and on every silo (SiloMessagingOptions).");
    }
}
