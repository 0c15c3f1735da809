using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.Persistence;

/// <summary>
/// Models saved by earlier versions of this library must keep loading and scoring the same: each fixture under
/// Fixtures/ is a zip saved by the version named in its file name, with the scores it gave on the named data set.
/// To add one, give it a recipe in WriteFixture, run the test with MLNETEXT_WRITE_FIXTURES=1 once (existing fixtures are
/// never rewritten) and commit the files it writes.
/// </summary>
public class SavedModelFixtureTests
{
    private static string FixturePath(string name)
        => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private static string SourceFixturePath(string name)
        => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Fixtures", name));

    public static TheoryData<string, string> Fixtures => new()
    {
        { "linear-regression-v0.1.zip", "diabetes.test.csv" },
        { "logistic-regression-v0.1.zip", "breast_cancer.test.csv" },
        { "mlp-regression-v0.1.zip", "diabetes.test.csv" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void SavedFixture_StillLoadsAndScoresIdentically(string model, string dataFile)
    {
        var ml = new MLContext(seed: 0);
        var data = TestData.Load(ml, dataFile);
        if (Environment.GetEnvironmentVariable("MLNETEXT_WRITE_FIXTURES") == "1" && !File.Exists(SourceFixturePath(model)))
            WriteFixture(ml, model, data);

        var loaded = ml.Model.Load(FixturePath(model), out _);
        try
        {
            var scores = loaded.Transform(data).GetColumn<float>("Score").Select(s => BitConverter.SingleToInt32Bits(s).ToString("X8", CultureInfo.InvariantCulture));
            var expected = File.ReadAllLines(FixturePath(model + ".scores.txt"));
            Assert.Equal(expected, scores.ToArray());
        }
        finally
        {
            (loaded as IDisposable)?.Dispose(); // the MLP's OnnxTransformer keeps a temporary copy of its graph until disposed
        }
    }

    /// <summary>Version 0.2 fixtures: managed-only MLP chains and this library's extension entries.</summary>
    public static TheoryData<string, string> ExtensionFixtures => new()
    {
        { "mlp-binary-v0.2.zip", "breast_cancer.test.csv" },
        { "mlp-multiclass-v0.2.zip", "iris.test.csv" },
        { "linear-regression-v0.2.zip", "diabetes.test.csv" },
        { "logistic-regression-v0.2.zip", "breast_cancer.test.csv" },
    };

    [Theory]
    [MemberData(nameof(ExtensionFixtures))]
    public void SavedFixture_WithExtensions_PlainAndFullLoadGiveWhatTheyGaveWhenWritten(string model, string dataFile)
    {
        var ml = new MLContext(seed: 0);
        var data = TestData.Load(ml, dataFile);
        if (Environment.GetEnvironmentVariable("MLNETEXT_WRITE_FIXTURES") == "1" && !File.Exists(SourceFixturePath(model)))
            WriteExtensionFixture(ml, model, data);
        if (Environment.GetEnvironmentVariable("MLNETEXT_WRITE_FIXTURES") == "1" && !File.Exists(SourceFixturePath(model + ".extensions.txt")))
            WriteDescription(ml, model);

        var plain = ml.Model.Load(FixturePath(model), out _);
        Assert.Equal(File.ReadAllLines(FixturePath(model + ".scores.txt")), ScoreBits(plain.Transform(data)));
        var full = model.StartsWith("logistic", StringComparison.Ordinal) ? ml.Model.LoadVerified(FixturePath(model), out _) : ml.Model.LoadWithExtensions(FixturePath(model), out _);
        Assert.Equal(File.ReadAllLines(FixturePath(model + ".full-scores.txt")), ScoreBits(full.Transform(data)));
        Assert.Equal(File.ReadAllText(FixturePath(model + ".extensions.txt")), DescribeExtensions(full));
    }

    /// <summary>Every score value of a scored view as float bits, one row a line (vector scores comma-separated).</summary>
    private static string[] ScoreBits(IDataView scored)
        => scored.Schema["Score"].Type is VectorDataViewType
            ? scored.GetColumn<VBuffer<float>>("Score").Select(v => string.Join(",", v.DenseValues().Select(Bits))).ToArray()
            : scored.GetColumn<float>("Score").Select(Bits).ToArray();

    private static string Bits(float value) => BitConverter.SingleToInt32Bits(value).ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>What LoadWithExtensions gives back beyond the scores, as text.</summary>
    private static string DescribeExtensions(ITransformer model)
    {
        var last = model is IEnumerable<ITransformer> chain ? chain.Last() : model;
        return last switch
        {
            MlpPredictionTransformer mlp => $"layers {string.Join("-", mlp.Model.LayerSizes)}, {mlp.Model.Activation}, best epoch {mlp.Model.BestEpoch}\n" +
                                            $"training loss {string.Join(" ", mlp.Model.TrainingLoss.Select(l => BitConverter.DoubleToInt64Bits(l).ToString("X16", CultureInfo.InvariantCulture)))}\n" +
                                            $"options: epochs {mlp.Model.TrainingOptions!.NumberOfEpochs}, seed {mlp.Model.TrainingOptions.Seed}\n",
            // The statistics' values as bits (not their table, whose layout may change).
            RegressionPredictionTransformer<Microsoft.ML.Trainers.LinearRegressionModelParameters> linear
                => Values(linear.Model.GetStatistics()) + $"RSS {DoubleBits(linear.Model.GetStatistics().ResidualSumOfSquares)}\n",
            BinaryPredictionTransformer<Microsoft.ML.Calibrators.CalibratedModelParametersBase<Microsoft.ML.Trainers.LinearBinaryModelParameters, Microsoft.ML.Calibrators.PlattCalibrator>> logistic
                => $"iterations {logistic.Model.SubModel.GetTrainingReport().Iterations}, objective {DoubleBits(logistic.Model.SubModel.GetTrainingReport().Objective)}\n" +
                   Values(logistic.Model.SubModel.GetStatistics()) + $"deviance {DoubleBits(logistic.Model.SubModel.GetStatistics().Deviance)}\n",
            _ => throw new InvalidOperationException($"No description for {last.GetType().Name}."),
        };
    }

    private static string DoubleBits(double value) => BitConverter.DoubleToInt64Bits(value).ToString("X16", CultureInfo.InvariantCulture);

    private static string Values(CoefficientStatistics statistics)
        => $"n {statistics.Count}\ncoefficients {string.Join(" ", statistics.Coefficients.Select(DoubleBits))}\n" +
           $"standard errors {string.Join(" ", statistics.StandardErrors?.Select(DoubleBits) ?? ["none"])}\n";

    private static void WriteDescription(MLContext ml, string name)
    {
        var full = name.StartsWith("logistic", StringComparison.Ordinal) ? ml.Model.LoadVerified(SourceFixturePath(name), out _) : ml.Model.LoadWithExtensions(SourceFixturePath(name), out _);
        File.WriteAllText(SourceFixturePath(name + ".extensions.txt"), DescribeExtensions(full));
        File.Copy(SourceFixturePath(name + ".extensions.txt"), FixturePath(name + ".extensions.txt"), overwrite: true);
    }

    private static void WriteExtensionFixture(MLContext ml, string name, IDataView data)
    {
        var normalize = ml.Transforms.NormalizeMeanVariance("Features");
        ITransformer model = name switch
        {
            "mlp-binary-v0.2.zip" => normalize.Append(ml.BinaryClassification.Trainers.Mlp(new MlpOptions
            {
                HiddenLayerSizes = [8, 1],
                Activation = MlpActivation.LeakyRelu,
                NumberOfEpochs = 30,
                LearningRate = 0.01,
                Seed = 1,
            }))
                .Fit(TestData.Load(ml, "breast_cancer.train.csv")),
            "mlp-multiclass-v0.2.zip" => ml.Transforms.Conversion.MapValueToKey("Label").Append(normalize)
                .Append(ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [6], activation: MlpActivation.Sigmoid, numberOfEpochs: 40, seed: 1))
                .Fit(TestData.Load(ml, "iris.train.csv")),
            "linear-regression-v0.2.zip" => ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 0.01)
                .Fit(TestData.Load(ml, "diabetes.train.csv")),
            "logistic-regression-v0.2.zip" => normalize.Append(ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01))
                .Fit(TestData.Load(ml, "breast_cancer.train.csv")),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No recipe for this fixture."),
        };
        string path = SourceFixturePath(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (name.StartsWith("mlp", StringComparison.Ordinal)) ml.Model.Save(model, data.Schema, path); // plain Save: the MLP writes its own entry
        else if (name.StartsWith("logistic", StringComparison.Ordinal)) ml.Model.SaveWithChecksum(model, data.Schema, path);
        else ml.Model.SaveWithExtensions(model, data.Schema, path);
        var full = name.StartsWith("logistic", StringComparison.Ordinal) ? ml.Model.LoadVerified(path, out _) : ml.Model.LoadWithExtensions(path, out _);
        // The full load scores as the model did in memory; the plain load to the rounding of ML.NET's own kernels.
        Assert.Equal(ScoreBits(model.Transform(data)), ScoreBits(full.Transform(data)));
        File.WriteAllLines(path + ".scores.txt", ScoreBits(ml.Model.Load(path, out _).Transform(data)));
        File.WriteAllLines(path + ".full-scores.txt", ScoreBits(full.Transform(data)));
        foreach (var suffix in new[] { "", ".scores.txt", ".full-scores.txt" })
            File.Copy(path + suffix, FixturePath(name + suffix), overwrite: true);
    }

    private static void WriteFixture(MLContext ml, string name, IDataView data)
    {
        ITransformer model = name switch
        {
            "linear-regression-v0.1.zip" => ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 0.01)
                .Fit(TestData.Load(ml, "diabetes.train.csv")),
            "logistic-regression-v0.1.zip" => ml.Transforms.NormalizeMeanVariance("Features")
                .Append(ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01))
                .Fit(TestData.Load(ml, "breast_cancer.train.csv")),
            "mlp-regression-v0.1.zip" => ml.Transforms.NormalizeMeanVariance("Features")
                .Append(ml.Regression.Trainers.Mlp(hiddenLayerSizes: [8], activation: MlpActivation.Tanh, numberOfEpochs: 50, seed: 1))
                .Fit(TestData.Load(ml, "diabetes.train.csv")),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No recipe for this fixture."),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(SourceFixturePath(name))!);
        ml.Model.Save(model, data.Schema, SourceFixturePath(name));
        // The scores of the saved file as loaded (an MLP in process and its ONNX form agree to ~1e-6, not to the bit).
        var saved = ml.Model.Load(SourceFixturePath(name), out _);
        File.WriteAllLines(SourceFixturePath(name + ".scores.txt"),
            saved.Transform(data).GetColumn<float>("Score").Select(s => BitConverter.SingleToInt32Bits(s).ToString("X8", CultureInfo.InvariantCulture)));
        (saved as IDisposable)?.Dispose();
        Directory.CreateDirectory(Path.GetDirectoryName(FixturePath(name))!);
        File.Copy(SourceFixturePath(name), FixturePath(name), overwrite: true);
        File.Copy(SourceFixturePath(name + ".scores.txt"), FixturePath(name + ".scores.txt"), overwrite: true);
    }
}
