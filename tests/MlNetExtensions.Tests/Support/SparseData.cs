using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetExtensions.Tests.Support;

/// <summary>Rows given as sparse vectors (explicit indices and values), as FeaturizeText and OneHotEncoding produce them.</summary>
public static class SparseData
{
    public sealed class Row
    {
        public VBuffer<float> Features { get; set; }
        public float Label { get; set; }
        public float Weight { get; set; }
    }

    public sealed class BinaryRow
    {
        public VBuffer<float> Features { get; set; }
        public bool Label { get; set; }
        public float Weight { get; set; }
    }

    /// <summary>A problem with d slots and few non-zeros a row, held as dense rows (the test's reference form).</summary>
    public sealed record Problem(float[][] X, float[] Y, float[] W)
    {
        public int D => X[0].Length;

        /// <summary>
        /// n rows of d slots, each slot non-zero with probability <paramref name="density"/> (values standard normal, some
        /// exact integers as counts are); labels linear in the features plus noise (or, for <paramref name="binary"/>, drawn
        /// from a logistic model); weights in [0.5, 2).
        /// </summary>
        public static Problem Create(int n, int d, double density, int seed, bool binary = false, bool counts = false)
        {
            var rng = new Random(seed);
            var theta = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var x = new float[n][];
            var y = new float[n];
            var w = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = new float[d];
                for (int j = 0; j < d; j++)
                    if (rng.NextDouble() < density) x[i][j] = rng.Next(3) == 0 ? rng.Next(1, 4) : (float)TestData.Gaussian(rng);
                double z = 0.3 + x[i].Select((v, j) => v * theta[j]).Sum();
                y[i] = binary ? (rng.NextDouble() < 1 / (1 + Math.Exp(-z)) ? 1f : 0f)
                    : counts ? (float)Math.Round(Math.Exp(Math.Clamp(0.3 * z, -3, 3)) * (0.5 + rng.NextDouble()))
                    : (float)(z + 0.5 * TestData.Gaussian(rng));
                w[i] = (float)(0.5 + 1.5 * rng.NextDouble());
            }
            if (binary && (y.All(v => v == 0) || y.All(v => v == 1))) y[0] = 1 - y[0];
            if (counts && y.All(v => v == 0)) y[0] = 1;
            return new Problem(x, y, w);
        }
    }

    /// <summary>The rows as sparse VBuffers (only the non-zeros stored) or, with <paramref name="asDense"/>, as dense ones.</summary>
    public static IDataView View(MLContext ml, Problem p, bool asDense = false, bool booleanLabel = false)
    {
        VBuffer<float> Vector(float[] x)
        {
            if (asDense) return new VBuffer<float>(x.Length, (float[])x.Clone());
            var indices = Enumerable.Range(0, x.Length).Where(j => x[j] != 0).ToArray();
            return new VBuffer<float>(x.Length, indices.Length, indices.Select(j => x[j]).ToArray(), indices);
        }
        if (booleanLabel)
        {
            var schema = SchemaDefinition.Create(typeof(BinaryRow));
            schema[nameof(BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, p.D);
            return ml.Data.LoadFromEnumerable(p.X.Select((x, i) => new BinaryRow { Features = Vector(x), Label = p.Y[i] > 0.5f, Weight = p.W[i] }).ToArray(), schema);
        }
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, p.D);
        return ml.Data.LoadFromEnumerable(p.X.Select((x, i) => new Row { Features = Vector(x), Label = p.Y[i], Weight = p.W[i] }).ToArray(), definition);
    }
}
