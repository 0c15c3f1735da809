using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Samples.Distributed;

/// <summary>
/// A generated data set written as CSV shards: d uncentred features, a continuous target Y = Xθ + noise for the linear
/// fit, and a click Click ~ Bernoulli(σ(Xθ')) for the logistic one.
/// </summary>
internal sealed class SampleData(string directory, string[] shards, int featureCount)
{
    public string Directory { get; } = directory;
    public string[] Shards { get; } = shards;
    public int FeatureCount { get; } = featureCount;

    public TextLoader.Column[] Columns =>
    [
        new("Features", DataKind.Single, 0, FeatureCount - 1),
        new("Y", DataKind.Single, FeatureCount),
        new("Click", DataKind.Boolean, FeatureCount + 1),
    ];

    public ShardedDataSource Source => ShardedDataSource.FromTextFiles(Shards, Columns, separatorChar: ',', hasHeader: true);

    /// <summary>Every shard's rows in shard order, through the same loader: what the in-process fit trains on.</summary>
    public IDataView LoadAll(MLContext ml)
        => ml.Data.CreateTextLoader(Columns, separatorChar: ',', hasHeader: true).Load(new MultiFileSource(Shards));

    public static SampleData Write(string directory, int shardCount, int rows, int featureCount, int seed)
    {
        System.IO.Directory.CreateDirectory(directory);
        var rng = new Random(seed);
        var theta = Enumerable.Range(0, featureCount).Select(j => Math.Round(rng.NextDouble() * 2 - 1, 2)).ToArray();
        string header = string.Join(",", Enumerable.Range(0, featureCount).Select(j => $"x{j}").Append("Y").Append("Click"));
        var shards = new string[shardCount];
        var line = new System.Text.StringBuilder();
        for (int s = 0; s < shardCount; s++)
        {
            shards[s] = Path.Combine(directory, $"part-{s:D3}.csv");
            using var writer = new StreamWriter(shards[s]);
            writer.WriteLine(header);
            int count = rows / shardCount + (s < rows % shardCount ? 1 : 0);
            for (int i = 0; i < count; i++)
            {
                line.Clear();
                double score = 0;
                for (int j = 0; j < featureCount; j++)
                {
                    float x = (float)(Gaussian(rng) + 2);
                    score += theta[j] * (x - 2);
                    line.Append(x.ToString("R", CultureInfo.InvariantCulture)).Append(',');
                }
                float y = (float)(3 + score + 0.5 * Gaussian(rng));
                bool click = rng.NextDouble() < 1 / (1 + Math.Exp(-(score - 0.5)));
                line.Append(y.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(click ? "1" : "0");
                writer.WriteLine(line);
            }
        }
        return new SampleData(directory, shards, featureCount);
    }

    private static double Gaussian(Random rng)
        => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
