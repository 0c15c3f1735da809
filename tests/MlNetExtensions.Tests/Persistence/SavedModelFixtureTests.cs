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
            var scores = loaded.Transform(data).GetColumn<float>("Score").Select(s => BitConverter.SingleToInt32Bits(s).ToString("X8"));
            var expected = File.ReadAllLines(FixturePath(model + ".scores.txt"));
            Assert.Equal(expected, scores.ToArray());
        }
        finally
        {
            (loaded as IDisposable)?.Dispose(); // the MLP's OnnxTransformer keeps a temporary copy of its graph until disposed
        }
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
            saved.Transform(data).GetColumn<float>("Score").Select(s => BitConverter.SingleToInt32Bits(s).ToString("X8")));
        (saved as IDisposable)?.Dispose();
        Directory.CreateDirectory(Path.GetDirectoryName(FixturePath(name))!);
        File.Copy(SourceFixturePath(name), FixturePath(name), overwrite: true);
        File.Copy(SourceFixturePath(name + ".scores.txt"), FixturePath(name + ".scores.txt"), overwrite: true);
    }
}
