using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.NeuralNetwork;

/// <summary>Bad input fails early with the option or column named in the message.</summary>
public class MlpBadInputTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static void AssertNames(Exception e, params string[] parts)
    {
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Theory]
    [InlineData(new[] { 4, 0 }, "HiddenLayerSizes[1]")]
    [InlineData(new[] { -3 }, "HiddenLayerSizes[0]")]
    public void Mlp_EmptyOrNegativeLayerSize_Throws(int[] sizes, string named)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(hiddenLayerSizes: sizes));
        AssertNames(e, named, sizes.First(s => s <= 0).ToString(CultureInfo.InvariantCulture));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.Mlp(hiddenLayerSizes: sizes));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.Mlp(hiddenLayerSizes: sizes));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Mlp_NonPositiveBatchSize_Throws(int batch)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { BatchSize = batch }));
        AssertNames(e, "BatchSize", batch.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Mlp_NonPositiveEpochs_Throws(int epochs)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.Mlp(numberOfEpochs: epochs));
        AssertNames(e, "NumberOfEpochs");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Mlp_LearningRateNotFinitePositive_Throws(double rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.Mlp(new MlpOptions { LearningRate = rate }));
        AssertNames(e, "LearningRate");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Mlp_ValidationFractionOutsideUnitIntervalWithEarlyStopping_Throws(double fraction)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ml.Regression.Trainers.Mlp(new MlpOptions { EarlyStopping = true, ValidationFraction = fraction }));
        AssertNames(e, "ValidationFraction");
        // Without early stopping the fraction is unused and not checked.
        _ml.Regression.Trainers.Mlp(new MlpOptions { EarlyStopping = false, ValidationFraction = fraction });
    }

    [Theory]
    [InlineData(-1e-4)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Mlp_BadL2Regularization_Throws(double lambda)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { L2Regularization = lambda }));
        AssertNames(e, "L2Regularization");
    }

    [Fact]
    public void Mlp_OtherBadOptions_ThrowNamingThem()
    {
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Momentum = 1 })), "Momentum");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Beta2 = -0.1 })), "Beta2");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Epsilon = 0 })), "Epsilon");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { LeakyReluSlope = double.NaN })), "LeakyReluSlope");
        // Patience and Tolerance serve the plateau test too, so they are checked with early stopping off.
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Patience = 0 })), "Patience");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Tolerance = -1e-4 })), "Tolerance");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { PowerT = -0.5 })), "PowerT");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { PowerT = double.NaN })), "PowerT");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ml.Regression.Trainers.Mlp(new MlpOptions { LearningRateSchedule = (MlpLearningRateSchedule)7 })), "LearningRateSchedule");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Activation = (MlpActivation)42 })), "Activation");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { Optimizer = (MlpOptimizer)42 })), "Optimizer");
        AssertNames(Assert.Throws<ArgumentException>(() => _ml.Regression.Trainers.Mlp(featureColumnName: " ")), "FeatureColumnName");
        AssertNames(Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(new MlpOptions { NumberOfThreads = 0 })), "NumberOfThreads");
        Assert.Throws<ArgumentNullException>(() => _ml.Regression.Trainers.Mlp((MlpOptions)null!));
    }

    [Fact]
    public void Fit_MulticlassLabelNotAKey_ThrowsSuggestingMapValueToKey()
    {
        var data = TestData.Load(_ml, "iris.csv");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.MulticlassClassification.Trainers.Mlp(numberOfEpochs: 1).Fit(data));
        AssertNames(e, "'Label'", "key", "MapValueToKey");
    }

    [Fact]
    public void Fit_BinaryLabelNotZeroOrOne_ThrowsNamingTheRow()
    {
        var data = TestData.FromRows(_ml, [[0f], [1f], [2f]], [0f, 1f, 2f]);
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.Mlp(numberOfEpochs: 1).Fit(data));
        AssertNames(e, "'Label'", "0 or 1", "row 2");
    }

    [Fact]
    public void Fit_RegressionLabelOfWrongType_ThrowsNamingIt()
    {
        var data = MlpData.Xor(_ml);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(numberOfEpochs: 1).Fit(data));
        AssertNames(e, "'Label'", "expected Single, got Boolean");
    }

    [Fact]
    public void Fit_MissingOrScalarFeatureColumn_ThrowsNamingIt()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(featureColumnName: "Pixels").Fit(data));
        AssertNames(missing, "Could not find feature column 'Pixels'");
        var scalar = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.Mlp(featureColumnName: "Label").Fit(data));
        AssertNames(scalar, "'Label'", "known-size vector");
    }

    [Fact]
    public void Fit_EmptyData_Throws()
    {
        var data = TestData.FromRows(_ml, Array.Empty<float[]>(), []);
        var e = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.Mlp(numberOfEpochs: 1).Fit(data));
        AssertNames(e, "empty");
    }

    [Fact]
    public void Fit_AllRowsMissing_Throws()
    {
        var data = TestData.FromRows(_ml, [[float.NaN], [1f]], [1f, float.NaN]);
        var e = Assert.Throws<InvalidOperationException>(() => _ml.Regression.Trainers.Mlp(numberOfEpochs: 1).Fit(data));
        AssertNames(e, "No usable training rows", "'Label'", "'Features'");
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Fit_BadExampleWeight_ThrowsNamingColumnAndRow(float weight)
    {
        var data = TestData.FromRows(_ml, [[0f], [1f], [2f]], [0f, 1f, 2f], [1f, weight, 1f]);
        var e = Assert.Throws<InvalidOperationException>(() =>
            _ml.Regression.Trainers.Mlp(new MlpOptions { ExampleWeightColumnName = "Weight", NumberOfEpochs = 1 }).Fit(data));
        AssertNames(e, "'Weight'", "row 1");
    }

    [Fact]
    public void Fit_LbfgsOrEarlyStoppingOverTheMemoryBudget_ThrowsNamingWhatAndTheOption()
    {
        // iris: L-BFGS's curvature memory for the 259 parameters of 4-32-3 takes about 26 KB (over 10 KB), and early
        // stopping's copy of the 150 × 4 rows 2.4 KB (over 2 KB).
        var iris = MlpData.Iris(_ml);
        var lbfgs = Assert.Throws<InvalidOperationException>(() => _ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
        {
            Optimizer = MlpOptimizer.Lbfgs,
            MemoryBudgetBytes = 10_000,
            NumberOfEpochs = 1,
        }).Fit(iris));
        AssertNames(lbfgs, "L-BFGS", "259 parameters", "MemoryBudgetBytes", "Optimizer = Adam");
        var early = Assert.Throws<InvalidOperationException>(() => _ml.MulticlassClassification.Trainers.Mlp(new MlpOptions
        {
            EarlyStopping = true,
            MemoryBudgetBytes = 2_000,
            NumberOfEpochs = 1,
        }).Fit(iris));
        AssertNames(early, "Early stopping", "150 × 4", "MemoryBudgetBytes");
    }

    [Fact]
    public void Fit_EarlyStoppingWithTooFewRows_ThrowsNamingValidationFraction()
    {
        // ⌈0.7 · 3⌉ = 3 validation rows (as scikit-learn's train_test_split counts) leave none to train on.
        var data = TestData.FromRows(_ml, [[0f], [1f], [2f]], [0f, 1f, 2f]);
        var e = Assert.Throws<InvalidOperationException>(() =>
            _ml.Regression.Trainers.Mlp(new MlpOptions { EarlyStopping = true, ValidationFraction = 0.7 }).Fit(data));
        AssertNames(e, "ValidationFraction");
    }
}
