using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Interop;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LogisticRegression;

/// <summary>Each bad input fails at the boundary with the exception type and a message naming the culprit.</summary>
public class BceLogisticRegressionBadInputTests
{
    private readonly MLContext _ml = new(seed: 1);

    private IDataView Good(float[]? weights = null)
    {
        var (x, y) = LogisticTestData.Logistic(50, [1.0, -1.0], 0, seed: 1);
        return TestData.FromRows(_ml, x, y, weights);
    }

    private static float[] Weights(int n, Func<int, float> f) => Enumerable.Range(0, n).Select(f).ToArray();

    [Theory]
    [InlineData("Nope", "Label", null, "'Nope'")]
    [InlineData("Features", "Missing", null, "'Missing'")]
    [InlineData("Features", "Label", "NoWeights", "'NoWeights'")]
    public void Fit_MissingColumn_ThrowsNamingIt(string features, string label, string? weight, string expected)
    {
        var trainer = _ml.BinaryClassification.Trainers.BceLogisticRegression(label, features, weight);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(Good()));
        Assert.Contains("Could not find", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal("inputSchema", e.ParamName);
    }

    [Fact]
    public void Fit_ScalarFeatureColumn_ThrowsNamingColumnAndExpectedType()
    {
        var data = _ml.Data.LoadFromEnumerable([new ScalarRow { X = 1, Label = 1 }, new ScalarRow { X = 0, Label = 0 }]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression(featureColumnName: "X").Fit(data));
        Assert.Contains("'X'", e.Message);
        Assert.Contains("known-size vector of Single", e.Message);
    }

    [Fact]
    public void Fit_VariableSizeFeatureVector_ThrowsNamingColumn()
    {
        var data = _ml.Data.LoadFromEnumerable([new TestData.Row { Features = [1f, 2f], Label = 1 }, new TestData.Row { Features = [0f, 1f], Label = 0 }]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(data));
        Assert.Contains("'Features'", e.Message);
        Assert.Contains("variable-size", e.Message);
    }

    [Fact]
    public void Fit_TextLabel_ThrowsNamingColumnAndType()
    {
        var data = _ml.Data.LoadFromEnumerable([new TextLabelRow { Features = [1f], Label = "yes" }, new TextLabelRow { Features = [0f], Label = "no" }],
            TextLabelSchema());
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(data));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("expected Boolean or Single (0/1), got String", e.Message);
        Assert.Equal("labelCol", e.ParamName);
    }

    [Fact]
    public void Fit_LabelOtherThanZeroOrOne_ThrowsNamingColumnAndValue()
    {
        var (x, y) = LogisticTestData.Logistic(20, [1.0], 0, seed: 2);
        y[4] = 2;
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(TestData.FromRows(_ml, x, y)));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("row 4 has 2", e.Message);
    }

    [Fact]
    public void Fit_EmptyData_Throws()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression()
            .Fit(TestData.FromRows(_ml, [], [])));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Fit_AllRowsMissing_ThrowsNamingColumns()
    {
        float[][] x = [[float.NaN], [1f]];
        float[] y = [1f, float.NaN];
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(TestData.FromRows(_ml, x, y)));
        Assert.Contains("No usable training rows", e.Message);
        Assert.Contains("'Features'", e.Message);
    }

    [Theory]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Fit_BadExampleWeight_ThrowsNamingColumnAndRow(float bad)
    {
        var weights = Weights(50, i => i == 3 ? bad : 1f);
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers
            .BceLogisticRegression(exampleWeightColumnName: "Weight").Fit(Good(weights)));
        Assert.Contains("'Weight'", e.Message);
        Assert.Contains("row 3", e.Message);
    }

    [Fact]
    public void Fit_AllWeightsZero_ThrowsNamingWeightColumn()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers
            .BceLogisticRegression(exampleWeightColumnName: "Weight").Fit(Good(Weights(50, _ => 0f))));
        Assert.Contains("'Weight'", e.Message);
        Assert.Contains("positive", e.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void Fit_SingleClass_ThrowsNamingLabelColumn(float onlyLabel)
    {
        var (x, _) = LogisticTestData.Logistic(30, [1.0], 0, seed: 3);
        var y = Enumerable.Repeat(onlyLabel, 30).ToArray();
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(TestData.FromRows(_ml, x, y)));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("single class", e.Message);
    }

    [Fact]
    public void Fit_SingleClassAmongPositiveWeights_ThrowsNamingLabelColumn()
    {
        // Both classes are present, but every row of class 0 has weight 0.
        var (x, y) = LogisticTestData.Logistic(40, [1.0], 0, seed: 4);
        var weights = Weights(40, i => y[i] == 1 ? 1f : 0f);
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers
            .BceLogisticRegression(exampleWeightColumnName: "Weight").Fit(TestData.FromRows(_ml, x, y, weights)));
        Assert.Contains("single class", e.Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Create_BadL2_ThrowsNamingOption(double lambda)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: lambda));
        Assert.Contains("L2Regularization", e.Message);
    }

    public static TheoryData<string, Action<BceLogisticRegressionTrainer.Options>> BadOptions => new()
    {
        { "LearningRate", o => o.LearningRate = 0 },
        { "LearningRate", o => o.LearningRate = -1 },
        { "LearningRate", o => o.LearningRate = double.NaN },
        { "LearningRate", o => o.LearningRate = double.PositiveInfinity },
        { "GradientTolerance", o => o.GradientTolerance = 0 },
        { "GradientTolerance", o => o.GradientTolerance = double.NaN },
        { "MaximumNumberOfIterations", o => o.MaximumNumberOfIterations = 0 },
        { "BatchSize", o => o.BatchSize = 0 },
        { "HistorySize", o => o.HistorySize = -3 },
        { "NumberOfThreads", o => o.NumberOfThreads = 0 },
        { "Optimizer", o => o.Optimizer = (LogisticOptimizer)42 },
        { "LabelColumnName", o => o.LabelColumnName = "" },
        { "FeatureColumnName", o => o.FeatureColumnName = " " },
        { "ExampleWeightColumnName", o => o.ExampleWeightColumnName = "" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Create_BadOption_ThrowsNamingIt(string option, Action<BceLogisticRegressionTrainer.Options> spoil)
    {
        var options = new BceLogisticRegressionTrainer.Options();
        spoil(options);
        var e = Assert.ThrowsAny<ArgumentException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression(options));
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void Fit_GradientDescentWithHugeLearningRate_ThrowsSuggestingSmallerRate()
    {
        var e = Assert.Throws<InvalidOperationException>(() => _ml.BinaryClassification.Trainers.BceLogisticRegression(
            new BceLogisticRegressionTrainer.Options { Optimizer = LogisticOptimizer.GradientDescent, LearningRate = 1e4, L2Regularization = 0.01 })
            .Fit(LogisticTestData.View(_ml, LogisticTestData.BreastCancerStandardised())));
        Assert.Contains("LearningRate", e.Message);
        Assert.Contains("diverged", e.Message);
    }

    [Fact]
    public void Fit_AfterCancelExecution_ThrowsOperationCanceled()
    {
        var ml = new MLContext(seed: 1);
        var data = Good();
        MlNetInternals.CancelExecution(ml);
        Assert.ThrowsAny<OperationCanceledException>(() => ml.BinaryClassification.Trainers.BceLogisticRegression().Fit(data));
    }

    private static SchemaDefinition TextLabelSchema()
    {
        var schema = SchemaDefinition.Create(typeof(TextLabelRow));
        schema[nameof(TextLabelRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1);
        return schema;
    }

    private sealed class ScalarRow
    {
        public float X { get; set; }
        public float Label { get; set; }
    }

    private sealed class TextLabelRow
    {
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }
}
