using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

public class MlpPersistenceTests
{
    private readonly MLContext _ml = new(seed: 1);

    public static TheoryData<string, int[]> Cases => new()
    {
        { "regression", [8] },
        { "regression", [] },
        { "binary", [8, 4] },
        { "binary", [] },
        { "multiclass", [6] },
        { "multiclass", [] },
    };

    private (IDataView Data, IEstimator<ITransformer> Trainer) Setup(string task, int[] hidden)
    {
        var options = new MlpOptions { HiddenLayerSizes = hidden, NumberOfEpochs = 20, LearningRate = 0.01, Seed = 3, Activation = MlpActivation.Tanh };
        return task switch
        {
            "regression" => (MlpData.Diabetes(_ml), _ml.Regression.Trainers.Mlp(options)),
            "binary" => (MlpData.BreastCancer(_ml), _ml.BinaryClassification.Trainers.Mlp(options)),
            _ => (MlpData.Iris(_ml), _ml.MulticlassClassification.Trainers.Mlp(options)),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SaveLoad_RoundTrip_GivesSamePredictionsAndLabels(string task, int[] hidden)
    {
        var (data, trainer) = Setup(task, hidden);
        var model = trainer.Fit(data);
        string folder = Directory.CreateTempSubdirectory("mlp-test-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            _ml.Model.Save(model, data.Schema, path);
            var loadContext = new MLContext { TempFilePath = Path.Combine(folder, "tmp") };
            Directory.CreateDirectory(loadContext.TempFilePath);
            var loaded = loadContext.Model.Load(path, out var inputSchema);
            try
            {
                Assert.Equal(data.Schema["Features"].Type, inputSchema["Features"].Type);
                var before = model.Transform(data);
                var after = loaded.Transform(data);
                AssertSameOutputs(task, before, after);
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
            Assert.Empty(Directory.GetFiles(loadContext.TempFilePath));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Save_LeavesNoFilesInTheTempFolder()
    {
        var (data, trainer) = Setup("binary", [4]);
        var model = trainer.Fit(data);
        var before = Directory.GetFileSystemEntries(Path.GetTempPath()).Where(p => Path.GetFileName(p).StartsWith("MlNetExtensions-", StringComparison.Ordinal)).ToArray();
        using var stream = new MemoryStream();
        _ml.Model.Save(model, data.Schema, stream);
        var after = Directory.GetFileSystemEntries(Path.GetTempPath()).Where(p => Path.GetFileName(p).StartsWith("MlNetExtensions-", StringComparison.Ordinal)).ToArray();
        Assert.Equal(before, after);
        Assert.True(stream.Length > 0);
    }

    [Fact]
    public void SaveLoad_OtherColumnNames_RoundTrip()
    {
        var data = _ml.Transforms.CopyColumns("Pixels", "Features").Append(_ml.Transforms.CopyColumns("Target", "Label"))
            .Append(_ml.Transforms.DropColumns("Features", "Label")).Fit(MlpData.Iris(_ml)).Transform(MlpData.Iris(_ml));
        var model = _ml.MulticlassClassification.Trainers.Mlp(labelColumnName: "Target", featureColumnName: "Pixels",
            hiddenLayerSizes: [5], numberOfEpochs: 3, seed: 1).Fit(data);
        using var stream = new MemoryStream();
        _ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = _ml.Model.Load(stream, out _);
        try
        {
            AssertSameOutputs("multiclass", model.Transform(data), loaded.Transform(data));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    internal static void AssertSameOutputs(string task, IDataView before, IDataView after)
    {
        if (task == "multiclass")
        {
            var s1 = before.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
            var s2 = after.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
            for (int i = 0; i < s1.Length; i++)
                for (int k = 0; k < s1[i].Length; k++)
                    AssertClose(s1[i][k], s2[i][k]);
            Assert.Equal(before.GetColumn<uint>("PredictedLabel"), after.GetColumn<uint>("PredictedLabel"));
            return;
        }
        var a = before.GetColumn<float>("Score").ToArray();
        var b = after.GetColumn<float>("Score").ToArray();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) AssertClose(a[i], b[i]);
        if (task == "binary")
        {
            var p1 = before.GetColumn<float>("Probability").ToArray();
            var p2 = after.GetColumn<float>("Probability").ToArray();
            for (int i = 0; i < p1.Length; i++) AssertClose(p1[i], p2[i]);
            Assert.Equal(before.GetColumn<bool>("PredictedLabel"), after.GetColumn<bool>("PredictedLabel"));
        }
    }

    private static void AssertClose(float expected, float actual)
        => Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
}
