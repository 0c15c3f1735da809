using Microsoft.ML;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Data;

/// <summary>The reader's one layout decision and the rows it holds in each layout.</summary>
public class FeatureLayoutTests
{
    private readonly MLContext _ml = new(seed: 0);

    private TrainingDataReader Reader(IDataView data, FeatureLayout layout = FeatureLayout.Auto)
        => TrainingDataReader.Create(data, "Label", "Features", "Weight", LabelKind.Regression, layout);

    [Theory]
    [InlineData(200, 0.02, FeatureLayout.Sparse)]   // text-like: 2% non-zero
    [InlineData(200, 0.2, FeatureLayout.Sparse)]    // below the 25% threshold
    [InlineData(200, 0.3, FeatureLayout.Dense)]     // above it
    [InlineData(200, 0.5, FeatureLayout.Dense)]
    [InlineData(31, 0.02, FeatureLayout.Dense)]     // too narrow to gain
    public void Auto_DecidesFromTheShareOfNonZeros(int d, double density, FeatureLayout expected)
    {
        var p = SparseData.Problem.Create(400, d, density, seed: 1);
        var reader = Reader(SparseData.View(_ml, p));
        Assert.Equal(expected, reader.Layout);
        // Measured over the values, not over how they are stored: dense vectors of the same data decide the same.
        Assert.Equal(expected, Reader(SparseData.View(_ml, p, asDense: true)).Layout);
        if (d >= TrainingDataReader.MinimumSparseWidth)
        {
            double nonZeros = p.X.Take(TrainingDataReader.LayoutProbeRows).Sum(r => r.Count(v => v != 0));
            Assert.Equal(nonZeros / (Math.Min(400, TrainingDataReader.LayoutProbeRows) * (double)d), reader.MeasuredDensity!.Value, 12);
        }
    }

    [Fact]
    public void ReadAll_SparseAndDenseLayouts_HoldTheSameRows()
    {
        var p = SparseData.Problem.Create(300, 64, 0.1, seed: 2);
        p.X[5][3] = float.NaN; // a row with a missing value is skipped in both layouts
        var env = MlNetInternals.GetEnvironment(_ml.Regression.Trainers);
        var sparse = Reader(SparseData.View(_ml, p), FeatureLayout.Sparse).ReadAll(env, null, MemoryBudget.Default);
        var dense = Reader(SparseData.View(_ml, p, asDense: true), FeatureLayout.Dense).ReadAll(env, null, MemoryBudget.Default);
        Assert.Equal(299, sparse.Count);
        Assert.Equal(dense.Labels, sparse.Labels);
        Assert.Equal(dense.Weights, sparse.Weights);
        var rows = (SparseRows)sparse.Features;
        var values = ((DenseRows)dense.Features).Values;
        var expected = p.X.Where((_, i) => i != 5).ToArray();
        Assert.Equal(expected.Sum(r => r.Count(v => v != 0)), rows.NonZeroCount);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = new float[64];
            for (int k = rows.Offsets[r]; k < rows.Offsets[r + 1]; k++) row[rows.Indices[k]] = rows.Values[k];
            Assert.Equal(expected[r], row);
            Assert.Equal(expected[r], values.AsSpan(r * 64, 64).ToArray());
        }
        // 8 bytes a non-zero plus 4 a row, against 4·d a row.
        Assert.True(rows.SizeInBytes < dense.Features.SizeInBytes / 2);
    }

    [Fact]
    public void ReadAll_OverTheMemoryBudget_ThrowsNamingTheBytesAndTheOption()
    {
        var p = SparseData.Problem.Create(2000, 64, 0.5, seed: 3);
        var env = MlNetInternals.GetEnvironment(_ml.Regression.Trainers);
        var e = Assert.Throws<InvalidOperationException>(() =>
            Reader(SparseData.View(_ml, p, asDense: true), FeatureLayout.Dense).ReadAll(env, null, new MemoryBudget(100_000)));
        Assert.Contains("d = 64", e.Message);
        Assert.Contains("512,000 bytes", e.Message); // 2000 rows × 64 floats
        Assert.Contains("MemoryBudgetBytes", e.Message);
    }
}

public class SparseVectorValidationTests
{
    [Theory]
    [InlineData(new[] { 5, 3 })]   // not ascending
    [InlineData(new[] { 3, 3 })]   // repeated
    [InlineData(new[] { 3, 40 })]  // beyond the vector's length
    public void Fit_SparseVectorWithBrokenIndices_ThrowsNamingTheColumn(int[] indices)
    {
        // The sparse kernels index the weights with the stored indices without bounds checks, so the reader checks them once.
        var ml = new MLContext(seed: 0);
        var rows = Enumerable.Range(0, 40).Select(i => new SparseData.Row
        {
            Features = i == 7
                ? new Microsoft.ML.Data.VBuffer<float>(40, 2, [1f, 2f], indices)
                : new Microsoft.ML.Data.VBuffer<float>(40, 1, [1f], [i % 40]),
            Label = i % 2,
            Weight = 1,
        }).ToArray();
        var schema = Microsoft.ML.Data.SchemaDefinition.Create(typeof(SparseData.Row));
        schema[nameof(SparseData.Row.Features)].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, 40);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var e = Assert.Throws<InvalidOperationException>(() => ml.Regression.Trainers.ClosedFormLinearRegression(new ClosedFormLinearRegressionTrainer.Options
        {
            FeatureLayout = FeatureLayout.Sparse,
            L2Regularization = 1,
        }).Fit(data));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("ascending within [0, 40)", e.Message);
    }
}
