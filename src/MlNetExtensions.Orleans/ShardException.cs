namespace MlNetExtensions;

/// <summary>
/// A distributed fit failed because of one shard: it could not be read (a missing file, a schema that differs from the first
/// shard's, no usable row, a bad label or weight value, …) or kept failing on the cluster until the retry time ran out. The
/// message names the shard, its path, the silo it ran on and that silo's error; no model is returned.
/// </summary>
/// <remarks>
/// Derives from <see cref="InvalidOperationException"/>, the type the in-process trainers throw for bad data, so code that
/// handles their errors handles these too. A schema problem that ML.NET reports as <see cref="ArgumentOutOfRangeException"/>
/// in process shows here with <see cref="ErrorType"/> naming that type.
/// </remarks>
[GenerateSerializer]
public sealed class ShardException : InvalidOperationException
{
    /// <summary>Creates the exception for shard <paramref name="shardIndex"/> at <paramref name="shardPath"/>.</summary>
    /// <param name="shardIndex">The shard's position in the source.</param>
    /// <param name="shardPath">The shard's path.</param>
    /// <param name="silo">The silo the shard grain ran on, or null when no silo answered.</param>
    /// <param name="errorType">The full name of the error's type on the silo (e.g. System.IO.FileNotFoundException).</param>
    /// <param name="error">The silo's error message.</param>
    public ShardException(int shardIndex, string shardPath, string? silo, string errorType, string error)
        : base(Describe(shardIndex, shardPath, silo, errorType, error))
    {
        ShardIndex = shardIndex;
        ShardPath = shardPath;
        Silo = silo;
        ErrorType = errorType;
        Error = error;
    }

    /// <summary>The shard's position in the source (0-based).</summary>
    [Id(0)]
    public int ShardIndex { get; private set; }

    /// <summary>The shard's path.</summary>
    [Id(1)]
    public string ShardPath { get; private set; }

    /// <summary>The silo the shard grain ran on, or null when no silo answered.</summary>
    [Id(2)]
    public string? Silo { get; private set; }

    /// <summary>The full name of the error's type on the silo.</summary>
    [Id(3)]
    public string ErrorType { get; private set; }

    /// <summary>The silo's error message.</summary>
    [Id(4)]
    public string Error { get; private set; }

    private static string Describe(int shardIndex, string shardPath, string? silo, string errorType, string error)
        => $"Shard {shardIndex} ('{shardPath}'){(silo is null ? "" : $" on silo {silo}")}: {error} ({errorType})";
}
