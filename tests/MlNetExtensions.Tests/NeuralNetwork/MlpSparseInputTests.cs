using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>Wide sparse rows (text, one-hot) are held and read sparsely by the MLP, in training and in scoring.</summary>
public class MlpSparseInputTests
{
    /// <summary>n rows of d slots with k non-zeros each, a binary label from a few of the slots.</summary>
    private static IDataView Wide(MLContext ml, int n, int d, int k, int seed)
    {
        var rng = new Random(seed);
        var rows = new SparseData.BinaryRow[n];
        for (int i = 0; i < n; i++)
        {
            var indices = Enumerable.Range(0, k).Select(_ => rng.Next(d)).Distinct().Order().ToArray();
            var values = indices.Select(_ => 1f).ToArray();
            rows[i] = new SparseData.BinaryRow { Features = new VBuffer<float>(d, indices.Length, values, indices), Label = indices.Any(j => j % 3 == 0), Weight = 1 };
        }
        var schema = SchemaDefinition.Create(typeof(SparseData.BinaryRow));
        schema[nameof(SparseData.BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    [Fact]
    public void Fit_WideSparseRows_TrainWithinABudgetThatTheDenseRowsExceed()
    {
        // 400 rows × 200,000 slots would be 320 MB dense; held sparsely they take 400 × 10 × 8 bytes.
        var ml = new MLContext(seed: 1);
        var data = Wide(ml, 400, 200_000, 10, seed: 2);
        var messages = new List<string>();
        ml.Log += (_, e) => messages.Add(e.RawMessage);
        MlpOptions Options(FeatureLayout layout) => new()
        {
            HiddenLayerSizes = [4],
            NumberOfEpochs = 2,
            Seed = 3,
            MemoryBudgetBytes = 32 << 20,
            FeatureLayout = layout,
        };
        var model = ml.BinaryClassification.Trainers.Mlp(Options(FeatureLayout.Auto)).Fit(data);
        Assert.Contains(messages, m => m.Contains("held sparsely (") && m.Contains("MLP 200000-4-1"));
        var engine = ml.Model.CreatePredictionEngine<SparseData.BinaryRow, Prediction>(model, inputSchemaDefinition: Schema(200_000));
        var row = new SparseData.BinaryRow { Features = new VBuffer<float>(200_000, 2, [1f, 1f], [3, 7]) };
        Assert.InRange(engine.Predict(row).Probability, 0f, 1f);

        var dense = Assert.Throws<InvalidOperationException>(() => ml.BinaryClassification.Trainers.Mlp(Options(FeatureLayout.Dense)).Fit(data));
        Assert.Contains("MemoryBudgetBytes", dense.Message);
    }

    [Fact]
    public void Fit_SparseTrainingBatches_AllocateNothing()
    {
        // As MlpAllocationTests for dense rows: ten more epochs of 1000 one-row batches may only add per-epoch allocations
        // (a log line, a loss value), far below one byte per batch; anything allocated per batch would show as ≥ 24 bytes each.
        var ml = new MLContext(seed: 1);
        var data = Wide(ml, 1000, 2_000, 20, seed: 4);
        long Allocated(int epochs)
        {
            var trainer = ml.BinaryClassification.Trainers.Mlp(new MlpOptions
            {
                HiddenLayerSizes = [8],
                BatchSize = 1,
                NumberOfEpochs = epochs,
                Seed = 1,
                FeatureLayout = FeatureLayout.Sparse,
            });
            long before = GC.GetAllocatedBytesForCurrentThread();
            trainer.Fit(data);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(1);
        long one = Allocated(1), eleven = Allocated(11);
        double perBatch = (eleven - one) / 10_000.0;
        Assert.True(perBatch < 4, $"{perBatch:F1} bytes allocated per batch");
    }

    private static SchemaDefinition Schema(int d)
    {
        var schema = SchemaDefinition.Create(typeof(SparseData.BinaryRow));
        schema[nameof(SparseData.BinaryRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        return schema;
    }

    private sealed class Prediction
    {
        public float Probability { get; set; }
    }
}
