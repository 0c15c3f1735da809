using System.Globalization;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using MlNetExtensions.NeuralNetwork;
using MlNetExtensions.Tests.Support;
using Xunit.Abstractions;

namespace MlNetExtensions.Tests.Persistence;

/// <summary>
/// Issue 12: a saved model comes back whole with <c>LoadWithExtensions</c> (every transformer of ours, at any depth, and the
/// statistics of the linear models), while plain <c>Model.Load</c> still loads the same file.
/// </summary>
public class LoadWithExtensionsTests(ITestOutputHelper output)
{
    private readonly MLContext _ml = new(seed: 1);

    public static TheoryData<string, int[], MlpActivation> MlpCases => new()
    {
        { "regression", [8], MlpActivation.Tanh },
        { "regression", [], MlpActivation.Relu },
        { "binary", [8, 1], MlpActivation.LeakyRelu },
        { "binary", [1], MlpActivation.Sigmoid },
        { "multiclass", [6, 4], MlpActivation.Relu },
        { "multiclass", [5], MlpActivation.Identity },
        { "multiclass", [], MlpActivation.Tanh },
    };

    private (IDataView Data, ITransformer Model) FitMlp(string task, int[] hidden, MlpActivation activation, bool earlyStopping = false)
    {
        var options = new MlpOptions
        {
            HiddenLayerSizes = hidden,
            Activation = activation,
            LeakyReluSlope = 0.07,
            NumberOfEpochs = 15,
            LearningRate = 0.01,
            Seed = 5,
            EarlyStopping = earlyStopping,
            Patience = 3,
        };
        var normalize = _ml.Transforms.NormalizeMeanVariance("Features");
        return task switch
        {
            "regression" => Fit(TestData.Load(_ml, "diabetes.csv"), normalize.Append(_ml.Regression.Trainers.Mlp(options))),
            "binary" => Fit(TestData.Load(_ml, "breast_cancer.csv"), normalize.Append(_ml.BinaryClassification.Trainers.Mlp(options))),
            _ => Fit(TestData.Load(_ml, "iris.csv"),
                _ml.Transforms.Conversion.MapValueToKey("Label").Append(normalize).Append(_ml.MulticlassClassification.Trainers.Mlp(options))),
        };
    }

    private static (IDataView, ITransformer) Fit<T>(IDataView data, IEstimator<T> pipeline) where T : class, ITransformer
        => (data, pipeline.Fit(data));

    private static byte[] Save(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, schema, stream);
        return stream.ToArray();
    }

    private ITransformer LoadWithExtensions(byte[] zip) => new MLContext(seed: 1).Model.LoadWithExtensions(new MemoryStream(zip), out _);

    private static MlpPredictionTransformer LastMlp(ITransformer model)
        => Assert.IsType<MlpPredictionTransformer>(Assert.IsAssignableFrom<IEnumerable<ITransformer>>(model).Last());

    [Theory]
    [MemberData(nameof(MlpCases))]
    public void LoadWithExtensions_PlainSavedMlp_ScoresBitIdenticallyAndKeepsItsParameters(string task, int[] hidden, MlpActivation activation)
    {
        var (data, model) = FitMlp(task, hidden, activation, earlyStopping: task == "binary");
        var zip = Save(_ml, model, data.Schema);
        var restored = LoadWithExtensions(zip);

        var mlp = LastMlp(model);
        var back = LastMlp(restored);
        Assert.Equal(Columns(task, model.Transform(data)), Columns(task, restored.Transform(data)));
        Assert.Equal(mlp.Model.LayerSizes, back.Model.LayerSizes);
        for (int l = 0; l < mlp.Model.LayerCount; l++)
        {
            Assert.Equal(mlp.Model.GetWeights(l), back.Model.GetWeights(l));
            Assert.Equal(mlp.Model.GetBiases(l), back.Model.GetBiases(l));
        }
        Assert.Equal(mlp.Model.Task, back.Model.Task);
        Assert.Equal(mlp.Model.Activation, back.Model.Activation);
        Assert.Equal(mlp.Model.LeakyReluSlope, back.Model.LeakyReluSlope);
        Assert.Equal(mlp.Model.TrainingLoss, back.Model.TrainingLoss);
        Assert.Equal(mlp.Model.ValidationLoss, back.Model.ValidationLoss);
        Assert.Equal(mlp.Model.BestEpoch, back.Model.BestEpoch);
        Assert.Equal(mlp.Model.ClassNames, back.Model.ClassNames);
        Assert.Equal(OptionValues(mlp.Model.TrainingOptions!), OptionValues(back.Model.TrainingOptions!));
        Assert.Equal(mlp.FeatureColumnName, back.FeatureColumnName);
        Assert.Equal(mlp.FeatureColumnType, back.FeatureColumnType);

        // Saved again, the restored model gives the same file content (the weights went through ML.NET's objects unchanged).
        var again = LoadWithExtensions(Save(_ml, restored, data.Schema));
        Assert.Equal(Columns(task, model.Transform(data)), Columns(task, again.Transform(data)));
    }

    [Theory]
    [MemberData(nameof(MlpCases))]
    public void PlainLoad_Mlp_IsMlNetsOwnChain_WithTheSameColumnsAndScoresToRounding(string task, int[] hidden, MlpActivation activation)
    {
        var (data, model) = FitMlp(task, hidden, activation);
        var plain = new MLContext().Model.Load(new MemoryStream(Save(_ml, model, data.Schema)), out _);
        var expected = model.Transform(data);
        var actual = plain.Transform(data);
        Assert.DoesNotContain(Flatten(plain), t => t.GetType().Assembly == typeof(MlpPredictionTransformer).Assembly);
        Assert.Equal(Describe(expected.Schema), Describe(actual.Schema));

        var a = Numbers(task, expected);
        var b = Numbers(task, actual);
        double largest = a.Max(Math.Abs), worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        output.WriteLine($"{task} {string.Join("-", hidden)} {activation}: max |in memory − plain load| = {worst:G3} (largest |output| {largest:G3})");
        Assert.True(worst <= 1e-6 * Math.Max(1, largest), $"max difference {worst} against largest output {largest}");
        if (task != "regression")
            Assert.Equal(Labels(task, expected), Labels(task, actual));
    }

    [Fact]
    public void LoadWithExtensions_NestedChains_RestoresEachTransformerAtItsPlace()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var prep = _ml.Transforms.NormalizeMeanVariance("Features").Fit(data);
        var prepared = prep.Transform(data);
        var mlp = _ml.Regression.Trainers.Mlp(hiddenLayerSizes: [4], numberOfEpochs: 5, seed: 2).Fit(prepared);
        var copy = _ml.Transforms.CopyColumns("MlpScore", "Score").Fit(mlp.Transform(prepared));
        var linear = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(copy.Transform(mlp.Transform(prepared)));
        var inner = new TransformerChain<ITransformer>(prep, new TransformerChain<ITransformer>(mlp, copy));
        var model = new TransformerChain<ITransformer>([inner, linear], [TransformerScope.Everything, TransformerScope.Scoring]);

        using var stream = new MemoryStream();
        _ml.Model.SaveWithExtensions(model, data.Schema, stream);
        var restored = Assert.IsType<TransformerChain<ITransformer>>(new MLContext().Model.LoadWithExtensions(new MemoryStream(stream.ToArray()), out _));

        var outer = restored.ToArray();
        var restoredInner = Assert.IsType<TransformerChain<ITransformer>>(outer[0]).ToArray();
        var restoredMlp = Assert.IsType<MlpPredictionTransformer>(Assert.IsType<TransformerChain<ITransformer>>(restoredInner[1]).First());
        Assert.Equal(mlp.Model.GetWeights(0), restoredMlp.Model.GetWeights(0));
        var restoredLinear = Assert.IsType<RegressionPredictionTransformer<LinearRegressionModelParameters>>(outer[1]);
        Assert.Equal(linear.Model.GetStatistics().StandardErrors, restoredLinear.Model.GetStatistics().StandardErrors);
        // The scopes survive the rebuilt chain: the linear model is for scoring only.
        Assert.Single(restored.GetModelFor(TransformerScope.Training));
        Assert.Equal(Bits(model.Transform(data).GetColumn<float>("Score")), Bits(restored.Transform(data).GetColumn<float>("Score")));
    }

    [Fact]
    public void SaveWithExtensions_LinearRegressionStatistics_ComeBackEqual_PlainSaveDoesNotKeepThem()
    {
        var data = TestData.Load(_ml, "diabetes.csv");
        var model = _ml.Transforms.NormalizeMeanVariance("Features")
            .Append(_ml.Regression.Trainers.ClosedFormLinearRegression(l2Regularization: 0.5)).Fit(data);
        var before = model.LastTransformer.Model.GetStatistics();

        using var stream = new MemoryStream();
        _ml.Model.SaveWithExtensions(model, data.Schema, stream);
        var loaded = (TransformerChain<ITransformer>)new MLContext().Model.LoadWithExtensions(new MemoryStream(stream.ToArray()), out _);
        var after = ((RegressionPredictionTransformer<LinearRegressionModelParameters>)loaded.LastTransformer).Model.GetStatistics();
        Assert.Equal(before.ToTable(), after.ToTable());
        Assert.Equal(before.Coefficients, after.Coefficients);
        Assert.Equal(before.StandardErrors, after.StandardErrors);
        Assert.Equal(before.PValues, after.PValues);
        Assert.Equal((before.Count, before.RSquared, before.AdjustedRSquared, before.ResidualStandardError),
            (after.Count, after.RSquared, after.AdjustedRSquared, after.ResidualStandardError));

        // A plain save has nowhere to keep them: GetStatistics says so and how to get them.
        var plain = (TransformerChain<ITransformer>)new MLContext().Model.LoadWithExtensions(new MemoryStream(Save(_ml, model, data.Schema)), out _);
        var e = Assert.Throws<InvalidOperationException>(() =>
            ((RegressionPredictionTransformer<LinearRegressionModelParameters>)plain.LastTransformer).Model.GetStatistics());
        Assert.Contains("SaveWithExtensions", e.Message);
    }

    [Fact]
    public void SaveWithChecksum_LogisticReportAndStatistics_ComeBackWithLoadVerified()
    {
        var data = TestData.Load(_ml, "breast_cancer.csv");
        var model = _ml.Transforms.NormalizeMeanVariance("Features")
            .Append(_ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01)).Fit(data);
        var sub = model.LastTransformer.Model.SubModel;
        string path = Path.Combine(Path.GetTempPath(), $"bce-ext-{Guid.NewGuid():N}.zip");
        try
        {
            _ml.Model.SaveWithChecksum(model, data.Schema, path);
            var loaded = (TransformerChain<ITransformer>)new MLContext().Model.LoadVerified(path, out _);
            var back = ((BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)loaded.LastTransformer)
                .Model.SubModel;
            var (r1, r2) = (sub.GetTrainingReport(), back.GetTrainingReport());
            Assert.Equal((r1.Optimizer, r1.Iterations, r1.Converged, r1.SeparationDetected, r1.Objective, r1.GradientNorm, r1.Elapsed),
                (r2.Optimizer, r2.Iterations, r2.Converged, r2.SeparationDetected, r2.Objective, r2.GradientNorm, r2.Elapsed));
            Assert.Equal(r1.ObjectiveHistory, r2.ObjectiveHistory);
            Assert.Equal(sub.GetStatistics().ToTable(), back.GetStatistics().ToTable());
            Assert.Equal(sub.GetStatistics().StandardErrors, back.GetStatistics().StandardErrors); // double precision, not ML.NET's Single copy
            Assert.Equal(sub.GetStatistics().WeightSum, back.GetStatistics().WeightSum);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SaveWithExtensions_PoissonStatistics_ComeBackEqual()
    {
        var data = TestData.Load(_ml, "bike_sharing_daily.train.csv");
        var model = _ml.Transforms.NormalizeMeanVariance("Features").Append(_ml.Regression.Trainers.PoissonRegression()).Fit(data);
        var loaded = (TransformerChain<ITransformer>)RoundTrip(model, data.Schema);
        var before = model.LastTransformer.Model.GetStatistics();
        var after = ((RegressionPredictionTransformer<PoissonRegressionModelParameters>)loaded.LastTransformer).Model.GetStatistics();
        Assert.Equal(before.ToTable(), after.ToTable());
        Assert.Equal((before.Deviance, before.NullDeviance, before.Aic, before.WeightSum), (after.Deviance, after.NullDeviance, after.Aic, after.WeightSum));
        Assert.Equal(before.StandardErrors, after.StandardErrors);
    }

    [Fact]
    public void AfterLoadWithExtensions_MlNetToolingWorks_PredictorPfiAndFeatureContributions()
    {
        var data = TestData.Load(_ml, "breast_cancer.csv");
        var prepared = _ml.Transforms.NormalizeMeanVariance("Features").Fit(data).Transform(data);
        var mlp = _ml.BinaryClassification.Trainers.Mlp(hiddenLayerSizes: [6], numberOfEpochs: 10, seed: 3).Fit(prepared);
        var logistic = _ml.BinaryClassification.Trainers.BceLogisticRegression(l2Regularization: 0.01).Fit(prepared);
        var linear = _ml.Regression.Trainers.ClosedFormLinearRegression().Fit(prepared);

        var loadedMlp = Assert.IsType<MlpPredictionTransformer>(RoundTrip(mlp, prepared.Schema));
        var loadedLogistic = Assert.IsType<BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>>(
            RoundTrip(logistic, prepared.Schema));
        var loadedLinear = Assert.IsType<RegressionPredictionTransformer<LinearRegressionModelParameters>>(RoundTrip(linear, prepared.Schema));

        // Permutation feature importance on the restored MLP equals that of the model that was saved.
        var pfiBefore = new MLContext(seed: 7).BinaryClassification.PermutationFeatureImportance(mlp, prepared, permutationCount: 1);
        var pfiAfter = new MLContext(seed: 7).BinaryClassification.PermutationFeatureImportance(loadedMlp, prepared, permutationCount: 1);
        Assert.Equal(pfiBefore.Select(p => p.AreaUnderRocCurve.Mean), pfiAfter.Select(p => p.AreaUnderRocCurve.Mean));
        Assert.Contains(pfiAfter, p => p.AreaUnderRocCurve.Mean < 0);

        // Feature contributions, which ML.NET computes for its linear models, on the loaded linear and logistic models.
        foreach (var (before, after) in new (ITransformer, ITransformer)[]
                 {
                     (_ml.Transforms.CalculateFeatureContribution(linear).Fit(prepared), _ml.Transforms.CalculateFeatureContribution(loadedLinear).Fit(prepared)),
                     (_ml.Transforms.CalculateFeatureContribution(logistic).Fit(prepared), _ml.Transforms.CalculateFeatureContribution(loadedLogistic).Fit(prepared)),
                 })
        {
            var c1 = before.Transform(linear.Transform(prepared)).GetColumn<VBuffer<float>>("FeatureContributions").Select(v => v.DenseValues().ToArray()).ToArray();
            var c2 = after.Transform(linear.Transform(prepared)).GetColumn<VBuffer<float>>("FeatureContributions").Select(v => v.DenseValues().ToArray()).ToArray();
            Assert.Equal(c1, c2);
            Assert.Contains(c2, row => row.Any(x => x != 0));
        }

        // PredictionEngine on the restored MLP gives the batch path's bits.
        var engine = _ml.Model.CreatePredictionEngine<Row30, BinaryPrediction>(loadedMlp);
        var features = prepared.GetColumn<VBuffer<float>>("Features").Take(20).Select(v => v.DenseValues().ToArray()).ToArray();
        var batch = mlp.Transform(prepared).GetColumn<float>("Probability").Take(20).ToArray();
        for (int i = 0; i < features.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(batch[i]), BitConverter.SingleToInt32Bits(engine.Predict(new Row30 { Features = features[i] }).Probability));
    }

    [Fact]
    public void MlpOptionsFormat_ListsEveryPublicOption_SoANewKnobIsSaved()
    {
        // A new MlpOptions knob must get a line in MlpModelParametersFormat.OptionCodecs (Progress is a callback, not saved).
        var saved = MlpModelParametersFormat.OptionCodecs.Select(c => c.Name).ToHashSet();
        var settable = typeof(MlpOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != nameof(MlpOptions.Progress)).Select(p => p.Name);
        Assert.All(settable, name => Assert.Contains(name, saved));
    }

    private ITransformer RoundTrip(ITransformer model, DataViewSchema schema)
    {
        using var stream = new MemoryStream();
        _ml.Model.SaveWithExtensions(model, schema, stream);
        return new MLContext(seed: 1).Model.LoadWithExtensions(new MemoryStream(stream.ToArray()), out _);
    }

    internal static IEnumerable<ITransformer> Flatten(ITransformer model)
        => model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];

    private static string[] OptionValues(MlpOptions options)
        => MlpModelParametersFormat.OptionCodecs.Select(c => c.Name + "=" + Format(c.Get(options))).ToArray();

    private static string Format(object? value) => value is int[] a ? string.Join(",", a) : value?.ToString() ?? "null";

    private static int[] Bits(IEnumerable<float> values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Every output value of the task as its bits, row by row.</summary>
    internal static string[] Columns(string task, IDataView scored) => task switch
    {
        "regression" => scored.GetColumn<float>("Score").Select(s => Bits([s])[0].ToString("X8", CultureInfo.InvariantCulture)).ToArray(),
        "binary" => scored.GetColumn<float>("Score").Zip(scored.GetColumn<float>("Probability"), scored.GetColumn<bool>("PredictedLabel"))
            .Select(t => $"{Bits([t.First])[0]:X8} {Bits([t.Second])[0]:X8} {t.Third}").ToArray(),
        _ => scored.GetColumn<VBuffer<float>>("Score").Zip(scored.GetColumn<uint>("PredictedLabel"))
            .Select(t => string.Join(",", Bits(t.First.DenseValues()).Select(b => b.ToString("X8", CultureInfo.InvariantCulture))) + " " + t.Second).ToArray(),
    };

    private static double[] Numbers(string task, IDataView scored) => task switch
    {
        "regression" => scored.GetColumn<float>("Score").Select(s => (double)s).ToArray(),
        "binary" => scored.GetColumn<float>("Score").Concat(scored.GetColumn<float>("Probability")).Select(s => (double)s).ToArray(),
        _ => scored.GetColumn<VBuffer<float>>("Score").SelectMany(v => v.DenseValues()).Select(s => (double)s).ToArray(),
    };

    private static string[] Labels(string task, IDataView scored) => task == "binary"
        ? scored.GetColumn<bool>("PredictedLabel").Select(b => b.ToString()).ToArray()
        : scored.GetColumn<uint>("PredictedLabel").Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Each visible column's name, type and annotation names with their values where they are small.</summary>
    internal static string[] Describe(DataViewSchema schema)
        => schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}:{c.Type}[{string.Join(",", c.Annotations.Schema.Select(a => a.Name + "=" + AnnotationValue(c, a)))}]").ToArray();

    private static string AnnotationValue(DataViewSchema.Column column, DataViewSchema.Column annotation)
    {
        if (annotation.Type is TextDataViewType)
        {
            ReadOnlyMemory<char> value = default;
            column.Annotations.GetValue(annotation.Name, ref value);
            return value.ToString();
        }
        if (annotation.Type is KeyDataViewType || annotation.Type == NumberDataViewType.UInt32)
        {
            uint value = 0;
            column.Annotations.GetValue(annotation.Name, ref value);
            return value.ToString(CultureInfo.InvariantCulture);
        }
        return annotation.Type.ToString() ?? "";
    }

    private sealed class Row30
    {
        [VectorType(30)] public float[] Features { get; set; } = [];
    }

    private sealed class BinaryPrediction
    {
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }
}
