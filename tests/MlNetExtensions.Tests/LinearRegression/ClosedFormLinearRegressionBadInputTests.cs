using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetExtensions.Tests.Support;

namespace MlNetExtensions.Tests.LinearRegression;

/// <summary>Every bad input fails at the boundary with a message naming the column or option and the problem.</summary>
public class ClosedFormLinearRegressionBadInputTests
{
    private readonly MLContext _ml = new(seed: 1);

    private sealed class Typed<TFeatures, TLabel>
    {
        public TFeatures Features { get; set; } = default!;
        public TLabel Label { get; set; } = default!;
    }

    private IDataView Good(int n = 20) => TestData.FromRows(_ml,
        Enumerable.Range(0, n).Select(i => new[] { (float)i, (float)(i % 3) }).ToArray(),
        Enumerable.Range(0, n).Select(i => (float)(2 * i + 1)).ToArray(),
        Enumerable.Range(0, n).Select(_ => 1f).ToArray());

    /// <summary>ML.NET's contract for schema problems: ArgumentOutOfRangeException naming the schema parameter.</summary>
    private static void SchemaFails(Action action, string fragment, string? more = null, string? hint = null, string parameter = "inputSchema")
    {
        var e = Fails<ArgumentOutOfRangeException>(action, new[] { fragment, more, hint }.OfType<string>().ToArray());
        Assert.Equal(parameter, e.ParamName);
    }

    private static TException Fails<TException>(Action action, params string[] fragments) where TException : Exception
    {
        var e = Assert.Throws<TException>(action);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e;
    }

    [Theory]
    [InlineData("Features", "Nope", "Could not find feature column 'Nope'")]
    [InlineData("Nope", "Features", "Could not find label column 'Nope'")]
    public void Fit_MissingColumn_NamesIt(string label, string features, string message)
        => SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression(label == "Features" ? "Label" : label, features).Fit(Good()), message);

    [Fact]
    public void Fit_MissingWeightColumn_NamesIt()
        => SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression(exampleWeightColumnName: "W").Fit(Good()),
            "Could not find weight column 'W'");

    [Fact]
    public void Fit_ScalarFeatureColumn_SuggestsConcatenate()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new Typed<float, float> { Features = 1, Label = 2 } });
        SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data),
            "feature column 'Features'", "expected known-size vector of Single, got Single", "Concatenate");
    }

    [Fact]
    public void Fit_DoubleVectorFeatures_NamesTypeAndSuggestsConversion()
    {
        var schema = SchemaDefinition.Create(typeof(Typed<double[], float>));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Double, 2);
        var data = _ml.Data.LoadFromEnumerable(new[] { new Typed<double[], float> { Features = [1, 2], Label = 1 } }, schema);
        SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), "'Features'", "Double", "ConvertType");
    }

    [Fact]
    public void Fit_VariableSizeVectorFeatures_SaysVariableSize()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new Typed<float[], float> { Features = [1, 2], Label = 1 } });
        SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), "'Features'", "variable-size");
    }

    [Fact]
    public void Fit_StringFeatures_NamesType()
    {
        var data = _ml.Data.LoadFromEnumerable(new[] { new Typed<string, float> { Features = "a", Label = 1 } });
        SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), "'Features'", "String");
    }

    [Fact]
    public void Fit_BooleanLabel_NamesLabelAndType()
    {
        var schema = SchemaDefinition.Create(typeof(Typed<float[], bool>));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1);
        var data = _ml.Data.LoadFromEnumerable(new[] { new Typed<float[], bool> { Features = [1], Label = true } }, schema);
        SchemaFails(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), "label column 'Label': expected Single, got Boolean", parameter: "labelCol");
    }

    [Fact]
    public void Fit_EmptyData_SaysEmpty()
        => Fails<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression()
            .Fit(TestData.FromRows(_ml, [], [])), "empty", "'Label'", "'Features'");

    [Fact]
    public void Fit_AllRowsFilteredOut_SaysEmpty()
        => Fails<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression()
            .Fit(_ml.Data.FilterRowsByColumn(Good(), "Label", lowerBound: 1e6)), "empty");

    [Fact]
    public void Fit_AllLabelsNaN_SaysNoUsableRows()
    {
        var data = TestData.FromRows(_ml, [[1f], [2f]], [float.NaN, float.NaN]);
        Fails<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(data), "all 2 rows", "NaN", "'Label'");
    }

    [Theory]
    [InlineData(-1f, "-1")]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void Fit_BadExampleWeight_NamesColumnRowAndValue(float weight, string shown)
    {
        var w = Enumerable.Repeat(1f, 5).ToArray();
        w[3] = weight;
        var data = TestData.FromRows(_ml, Enumerable.Range(0, 5).Select(i => new[] { (float)i }).ToArray(), [1, 2, 3, 4, 5], w);
        Fails<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression(exampleWeightColumnName: "Weight").Fit(data),
            "'Weight'", "row 3", shown);
    }

    [Fact]
    public void Fit_AllWeightsZero_Says()
    {
        var data = TestData.FromRows(_ml, [[1f], [2f]], [1, 2], [0, 0]);
        Fails<InvalidOperationException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression(exampleWeightColumnName: "Weight").Fit(data),
            "'Weight'", "positive");
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Create_BadL2_NamesOption(double lambda)
        => Fails<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: lambda), "L2Regularization");

    [Theory]
    [InlineData(null, "Features", "LabelColumnName")]
    [InlineData("Label", "", "FeatureColumnName")]
    public void Create_EmptyColumnName_NamesOption(string? label, string features, string option)
        => Fails<ArgumentException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression(label!, features), option);

    [Fact]
    public void Create_ZeroThreads_NamesOption()
        => Fails<ArgumentOutOfRangeException>(() => _ml.Regression.Trainers.ClosedFormLinearRegression(
            new ClosedFormLinearRegressionTrainer.Options { NumberOfThreads = 0 }), "NumberOfThreads");

    [Fact]
    public void Transform_FeatureWidthChangedSinceFit_NamesColumn()
    {
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(Good());
        var wider = TestData.FromRows(_ml, [[1f, 2f, 3f]], [1f]);
        // ML.NET's own transformer (which this trainer returns) reports it.
        var e = Assert.Throws<InvalidOperationException>(() => model.Transform(wider));
        Assert.Contains("features column", e.Message);
        Assert.Contains("Vector<Single, 3>", e.Message);
        Assert.Contains("Vector<Single, 2>", e.Message);
    }

    [Fact]
    public void Fit_SingleRow_ReturnsTheMeanAndNoCoefficientStatistics()
    {
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, [[3f, 4f]], [7f]));
        Assert.Equal(7f, model.Model.Bias + model.Model.Weights[0] * 3 + model.Model.Weights[1] * 4, 4);
        Assert.False(model.Model.GetStatistics().HasCoefficientStatistics);
    }

    [Fact]
    public void Fit_ConstantFeature_GetsZeroWeightWithoutNaN()
    {
        var x = Enumerable.Range(0, 30).Select(i => new[] { 5f, (float)i }).ToArray();
        var y = Enumerable.Range(0, 30).Select(i => 3f * i + 1).ToArray();
        var model = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(TestData.FromRows(_ml, x, y));
        Assert.Equal(0f, model.Model.Weights[0], 5);
        Assert.Equal(3f, model.Model.Weights[1], 4);
        Assert.True(float.IsFinite(model.Model.Bias));
    }
}
