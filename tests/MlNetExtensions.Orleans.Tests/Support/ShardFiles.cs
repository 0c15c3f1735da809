using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Distributed.Tests.Support;

/// <summary>
/// Generated rows written as CSV shards (with a header) into a temporary directory, plus one file of all rows concatenated in
/// shard order: the in-process fit reads that file through the same loader, so it sees exactly the rows the shards hold.
/// </summary>
public sealed class ShardFiles : IDisposable
{
    private ShardFiles(string directory, string[] shards, string all, int featureCount)
    {
        Directory = directory;
        Shards = shards;
        AllRows = all;
        FeatureCount = featureCount;
    }

    public string Directory { get; }
    public string[] Shards { get; }
    public string AllRows { get; }
    public int FeatureCount { get; }

    /// <summary>Columns f0 … f{d−1}, Label, Weight: Features = fields 0 … d − 1.</summary>
    public TextLoader.Column[] Columns =>
    [
        new("Features", DataKind.Single, 0, FeatureCount - 1),
        new("Label", DataKind.Single, FeatureCount),
        new("Weight", DataKind.Single, FeatureCount + 1),
    ];

    public ShardedDataSource Source => ShardedDataSource.FromTextFiles(Shards, Columns, separatorChar: ',', hasHeader: true);

    /// <summary>All rows through the same text loader, for the in-process fit.</summary>
    public IDataView LoadAll(MLContext ml) => ml.Data.LoadFromTextFile(AllRows, Columns, separatorChar: ',', hasHeader: true);

    public string Header => string.Join(",", Enumerable.Range(0, FeatureCount).Select(j => $"f{j}").Append("Label").Append("Weight"));

    /// <summary>
    /// <paramref name="shardRows"/>[s] rows in shard s of d standard-normal features shifted by <paramref name="featureShift"/> (by default 3:
    /// uncentred, as real data is), a label y = Xθ + 1 + noise (regression) or y ~ Bernoulli(σ(Xθ − 0.5)) (binary), and weights in [0.5, 2).
    /// </summary>
    public static ShardFiles Generate(string name, int[] shardRows, int featureCount, bool binary, int seed, double featureShift = 3)
    {
        var rng = new Random(seed);
        var theta = Enumerable.Range(0, featureCount).Select(j => (j % 2 == 0 ? 1.0 : -0.5) / (1 + j * 0.3)).ToArray();
        var lines = new List<string>[shardRows.Length];
        for (int s = 0; s < shardRows.Length; s++)
        {
            lines[s] = [];
            for (int i = 0; i < shardRows[s]; i++)
            {
                var x = Enumerable.Range(0, featureCount).Select(_ => (float)(Gaussian(rng) + featureShift)).ToArray();
                double score = x.Select((v, j) => theta[j] * (v - featureShift)).Sum();
                float label = binary
                    ? (rng.NextDouble() < 1 / (1 + Math.Exp(-(score - 0.5))) ? 1f : 0f)
                    : (float)(score + 1 + 0.3 * Gaussian(rng));
                float weight = (float)(0.5 + 1.5 * rng.NextDouble());
                lines[s].Add(string.Join(",", x.Select(Format).Append(Format(label)).Append(Format(weight))));
            }
        }
        return Write(name, lines, featureCount);
    }

    /// <summary>Shards of the given data lines (without header) under a header for <paramref name="featureCount"/> features.</summary>
    public static ShardFiles Write(string name, IReadOnlyList<List<string>> shardLines, int featureCount)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mlnet-orleans-{name}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var files = new ShardFiles(directory, [], "", featureCount);
        var shards = new string[shardLines.Count];
        for (int s = 0; s < shardLines.Count; s++)
        {
            shards[s] = Path.Combine(directory, $"shard-{s:D2}.csv");
            File.WriteAllLines(shards[s], shardLines[s].Prepend(files.Header));
        }
        string all = Path.Combine(directory, "all.csv");
        File.WriteAllLines(all, shardLines.SelectMany(l => l).Prepend(files.Header));
        return new ShardFiles(directory, shards, all, featureCount);
    }

    /// <summary>The data lines (no header) of shard <paramref name="s"/>.</summary>
    public List<string> Lines(int s) => File.ReadLines(Shards[s]).Skip(1).ToList();

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }

    private static string Format(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static double Gaussian(Random rng)
        => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
