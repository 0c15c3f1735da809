using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>
/// <c>MlpTrainer.Fit(data, model)</c>: a epochs then b more equal a + b epochs at once, bit for bit, for every task,
/// optimizer and schedule (the training state the model keeps makes that so); new data; architecture checks.
/// </summary>
public class MlpContinuedTrainingTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static void AssertBitIdentical(MlpModelParameters expected, MlpModelParameters actual)
    {
        for (int l = 0; l < expected.LayerCount; l++)
        {
            Assert.Equal(expected.GetWeights(l).Select(BitConverter.SingleToInt32Bits), actual.GetWeights(l).Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(expected.GetBiases(l).Select(BitConverter.SingleToInt32Bits), actual.GetBiases(l).Select(BitConverter.SingleToInt32Bits));
        }
    }

    private MlpTrainer Trainer(MlpTask task, MlpOptions options) => task switch
    {
        MlpTask.Regression => _ml.Regression.Trainers.Mlp(options),
        MlpTask.BinaryClassification => _ml.BinaryClassification.Trainers.Mlp(options),
        _ => _ml.MulticlassClassification.Trainers.Mlp(options),
    };

    private IDataView Data(MlpTask task) => task switch
    {
        MlpTask.Regression => MlpData.Diabetes(_ml),
        MlpTask.BinaryClassification => MlpData.BreastCancer(_ml),
        _ => MlpData.Iris(_ml),
    };

    [Theory]
    [InlineData(MlpTask.Regression, MlpOptimizer.Adam, MlpLearningRateSchedule.Constant, 150)]
    [InlineData(MlpTask.BinaryClassification, MlpOptimizer.Adam, MlpLearningRateSchedule.Constant, 200)]
    [InlineData(MlpTask.BinaryClassification, MlpOptimizer.Momentum, MlpLearningRateSchedule.InverseScaling, 200)]
    [InlineData(MlpTask.MulticlassClassification, MlpOptimizer.Sgd, MlpLearningRateSchedule.Adaptive, 16)]
    [InlineData(MlpTask.MulticlassClassification, MlpOptimizer.Adam, MlpLearningRateSchedule.Constant, 16)]
    public void Fit_ContinuedForBEpochs_EqualsOneFitOfAPlusBEpochs_BitForBit(MlpTask task, MlpOptimizer optimizer,
        MlpLearningRateSchedule schedule, int batch)
    {
        // Batches of 150–200 rows are split into halves on two threads; shuffling on; the plateau test on (it carries its
        // counter across the fits) with a patience that does not let it stop in 12 epochs; the adaptive schedule with a
        // tolerance that makes it divide the rate every third epoch, so its state matters.
        var data = Data(task);
        MlpOptions Options(int epochs) => new()
        {
            HiddenLayerSizes = [8, 5],
            Optimizer = optimizer,
            LearningRateSchedule = schedule,
            LearningRate = optimizer == MlpOptimizer.Adam ? 0.01 : 0.05,
            BatchSize = batch,
            NumberOfEpochs = epochs,
            Seed = 7,
            Patience = schedule == MlpLearningRateSchedule.Adaptive ? 2 : 20,
            Tolerance = schedule == MlpLearningRateSchedule.Adaptive ? 10 : 1e-4,
        };
        var once = Trainer(task, Options(12)).Fit(data).Model;
        var first = Trainer(task, Options(5)).Fit(data).Model;
        var continued = Trainer(task, Options(7)).Fit(data, first).Model;

        Assert.Equal(5, first.EpochsTrained);
        Assert.Equal(12, continued.EpochsTrained);
        AssertBitIdentical(once, continued);
        Assert.Equal(once.TrainingLoss, first.TrainingLoss.Concat(continued.TrainingLoss));
        Assert.Equal(once.OptimizerSteps, continued.OptimizerSteps);
        Assert.Equal(once.LearningRate, continued.LearningRate);
        if (schedule == MlpLearningRateSchedule.Adaptive) Assert.True(continued.LearningRate < 0.05, "the adaptive schedule reacted");
    }

    [Fact]
    public void Fit_Continued_KeepsTheStateTheModelExposes()
    {
        var data = MlpData.Iris(_ml);
        var model = _ml.MulticlassClassification.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [6], NumberOfEpochs = 3, BatchSize = 50, Seed = 11 })
            .Fit(data).Model;
        Assert.Equal(11, model.Seed);
        Assert.Equal(3, model.EpochsTrained);
        Assert.Equal(3L * 150, model.RowsSeen);
        Assert.Equal(MlpOptimizer.Adam, model.Optimizer);
        Assert.Equal(9L, model.OptimizerSteps); // 150 rows in batches of 50, 3 epochs
        int parameters = 4 * 6 + 6 + 6 * 3 + 3;
        Assert.Equal(parameters, model.OptimizerFirstMoments!.Count);
        Assert.Equal(parameters, model.OptimizerSecondMoments!.Count);
        Assert.All(model.OptimizerSecondMoments, v => Assert.True(v >= 0));
        Assert.Equal(1e-3, model.LearningRate);
        Assert.Equal(0, model.LabelShift);
        Assert.Equal(1, model.LabelScale);
        Assert.Null(model.StandardizedOutputBiases);
        Assert.Equal(model.TrainingLoss.Min(), model.BestTrainingLoss);
    }

    [Fact]
    public void Fit_ContinuedWithoutASeed_UsesTheModelsSeed()
    {
        var data = MlpData.Iris(_ml);
        MlpOptions Options(int epochs, int? seed) => new() { HiddenLayerSizes = [6], NumberOfEpochs = epochs, BatchSize = 16, Seed = seed };
        var once = _ml.MulticlassClassification.Trainers.Mlp(Options(6, 21)).Fit(data).Model;
        var first = _ml.MulticlassClassification.Trainers.Mlp(Options(2, 21)).Fit(data).Model;
        var continued = new MLContext(seed: 99).MulticlassClassification.Trainers.Mlp(Options(4, null)).Fit(data, first).Model;
        Assert.Equal(21, continued.Seed);
        AssertBitIdentical(once, continued);
    }

    [Fact]
    public void Fit_ContinuedOnNewData_StartsFromTheModelsWeightsAndLowersTheLossThere()
    {
        // The train split first, then more epochs on the test split: the first continued epoch starts at the model's
        // loss on the new rows, not at a fresh network's.
        var train = MlpData.BreastCancer(_ml, "breast_cancer.train.csv");
        var test = MlpData.BreastCancer(_ml, "breast_cancer.test.csv");
        var trainer = _ml.BinaryClassification.Trainers.Mlp(new MlpOptions
        {
            HiddenLayerSizes = [8],
            NumberOfEpochs = 30,
            LearningRate = 0.01,
            Seed = 2,
            StopOnTrainingLossPlateau = false,
        });
        var model = trainer.Fit(train);
        double before = _ml.BinaryClassification.Evaluate(model.Transform(test)).LogLoss;
        var fresh = trainer.Fit(test).Model;
        var continued = trainer.Fit(test, model.Model);
        double after = _ml.BinaryClassification.Evaluate(continued.Transform(test)).LogLoss;
        Assert.Equal(60, continued.Model.EpochsTrained);
        Assert.True(after < before, $"log-loss on the new rows {before} → {after}");
        Assert.True(continued.Model.TrainingLoss[0] < fresh.TrainingLoss[0], "continued from trained weights, not from scratch");
    }

    [Fact]
    public void Fit_ContinuedRegression_ResumesInStandardisedUnitsFromTheUnroundedBiases()
    {
        // Labels around 10,000: folding μ into a Single bias rounds it (ulp(10⁴) ≈ 1e-3), so an exact resume needs
        // the standardised biases the model keeps.
        var (x, y) = TestData.Linear(256, [300.0, -200.0], 10_000.0, noise: 50, seed: 3);
        var data = TestData.FromRows(_ml, x, y);
        MlpOptions Options(int epochs) => new() { HiddenLayerSizes = [4], NumberOfEpochs = epochs, BatchSize = 128, LearningRate = 0.01, Seed = 5 };
        var once = _ml.Regression.Trainers.Mlp(Options(10)).Fit(data).Model;
        var first = _ml.Regression.Trainers.Mlp(Options(4)).Fit(data).Model;
        var continued = _ml.Regression.Trainers.Mlp(Options(6)).Fit(data, first).Model;
        Assert.NotNull(first.StandardizedOutputBiases);
        Assert.Equal(first.LabelShift, continued.LabelShift);
        Assert.Equal(first.LabelScale, continued.LabelScale);
        AssertBitIdentical(once, continued);
    }

    [Fact]
    public void Fit_ContinuedFromAModelLoadedWithExtensions_StartsFreshMomentsFromItsWeights()
    {
        // The file format keeps the weights and options but not the training state: the restored model reads as a fresh
        // start (its epoch counter from the loss curve, no moments, the label in its own units) and continues from there.
        var data = MlpData.Diabetes(_ml);
        var trainer = _ml.Regression.Trainers.Mlp(new MlpOptions { HiddenLayerSizes = [6], NumberOfEpochs = 20, LearningRate = 0.01, Seed = 4 });
        var fitted = trainer.Fit(data);
        using var zip = new MemoryStream();
        _ml.Model.SaveWithExtensions(fitted, data.Schema, zip);
        var loaded = (MlpPredictionTransformer)_ml.Model.LoadWithExtensions(new MemoryStream(zip.ToArray()), out _);
        Assert.Equal(20, loaded.Model.EpochsTrained);
        Assert.Null(loaded.Model.OptimizerFirstMoments);
        var continued = trainer.Fit(data, loaded.Model);
        Assert.Equal(40, continued.Model.EpochsTrained); // the loaded 20 + NumberOfEpochs
        double before = _ml.Regression.Evaluate(fitted.Transform(data)).RSquared;
        double after = _ml.Regression.Evaluate(continued.Transform(data)).RSquared;
        Assert.True(after >= before - 0.02, $"training R² {before} → {after}: continued from the loaded weights");
    }

    [Fact]
    public void Fit_ContinuedWithOtherArchitectureOrTask_ThrowsNamingIt()
    {
        var iris = MlpData.Iris(_ml);
        var model = _ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [5], activation: MlpActivation.Tanh, numberOfEpochs: 1, seed: 1)
            .Fit(iris).Model;
        var wider = Assert.Throws<ArgumentException>(() =>
            _ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: [6], activation: MlpActivation.Tanh).Fit(iris, model));
        Assert.Contains("HiddenLayerSizes is [6]", wider.Message);
        Assert.Contains("[5]", wider.Message);
        var relu = Assert.Throws<ArgumentException>(() => _ml.MulticlassClassification.Trainers.Mlp(activation: MlpActivation.Relu).Fit(iris, model));
        Assert.Contains("Tanh", relu.Message);
        var task = Assert.Throws<ArgumentException>(() =>
            _ml.BinaryClassification.Trainers.Mlp(activation: MlpActivation.Tanh).Fit(MlpData.BreastCancer(_ml), model));
        Assert.Contains("MulticlassClassification", task.Message);
        var twoFeatures = TestData.FromRows(_ml, [[1f, 2f], [3f, 4f]], [0f, 1f]);
        var keyed = _ml.Transforms.Conversion.MapValueToKey("Label").Fit(twoFeatures).Transform(twoFeatures);
        var features = Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ml.MulticlassClassification.Trainers.Mlp(activation: MlpActivation.Tanh).Fit(keyed, model));
        Assert.Contains("2 slots", features.Message);
        Assert.Throws<ArgumentNullException>(() => _ml.MulticlassClassification.Trainers.Mlp().Fit(iris, null!));
    }
}
