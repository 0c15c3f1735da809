using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;

namespace MlNetExtensions.Interop;

/// <summary>
/// The one bridge to ML.NET internals. ML.NET 5.0.1 builds its model objects through internal
/// constructors; calling them here lets every trainer in this library return ML.NET's own model and
/// transformer types, which then save, load, evaluate, export to ONNX and explain exactly like the
/// built-ins, in programs that reference only Microsoft.ML.
/// </summary>
/// <remarks>
/// Every use of reflection in the library lives in this class. Microsoft.ML is pinned to 5.0.1; if an
/// upgrade moves a constructor, <see cref="VerifyAvailable"/> (run by a unit test) names the one that is gone.
/// </remarks>
internal static class MlNetInternals
{
    private const BindingFlags InstanceAny = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly Assembly DataAssembly = typeof(LinearRegressionModelParameters).Assembly;
    private static readonly Assembly CoreAssembly = typeof(MLContext).Assembly;

    private static readonly Lazy<PropertyInfo> CatalogEnvironment = new(() =>
    {
        var type = FindType(CoreAssembly, "Microsoft.ML.Data.IInternalCatalog");
        return type.GetProperty("Environment", InstanceAny)
            ?? throw Missing("property Microsoft.ML.Data.IInternalCatalog.Environment");
    });

    private static readonly Lazy<ConstructorInfo> LinearRegressionCtor = new(() => FindCtor(
        typeof(LinearRegressionModelParameters),
        typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float)));

    private static readonly Lazy<ConstructorInfo> PoissonRegressionCtor = new(() => FindCtor(
        typeof(PoissonRegressionModelParameters),
        typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float)));

    private static readonly Lazy<ConstructorInfo> PoissonTransformerCtor = new(() => FindCtor(
        typeof(RegressionPredictionTransformer<PoissonRegressionModelParameters>),
        typeof(IHostEnvironment), typeof(PoissonRegressionModelParameters), typeof(DataViewSchema), typeof(string)));

    private static readonly Lazy<ConstructorInfo> LinearBinaryCtor = new(() => FindCtor(
        typeof(LinearBinaryModelParameters),
        typeof(IHostEnvironment), typeof(VBuffer<float>).MakeByRefType(), typeof(float), typeof(ModelStatisticsBase)));

    private static readonly Lazy<ConstructorInfo> LinearStatisticsCtor = new(() => FindCtor(
        typeof(LinearModelParameterStatistics),
        typeof(IHostEnvironment), typeof(long), typeof(int), typeof(float), typeof(float),
        typeof(VBuffer<float>).MakeByRefType(), typeof(VBuffer<float>), typeof(float)));

    private static readonly Lazy<ConstructorInfo> PlattCtor = new(() => FindCtor(
        typeof(PlattCalibrator), typeof(IHostEnvironment), typeof(double), typeof(double)));

    private static readonly Lazy<ConstructorInfo> CalibratedCtor = new(() =>
    {
        var open = FindType(typeof(PlattCalibrator).Assembly,
            "Microsoft.ML.Calibrators.ParameterMixingCalibratedModelParameters`2");
        var closed = open.MakeGenericType(typeof(LinearBinaryModelParameters), typeof(PlattCalibrator));
        return FindCtor(closed, typeof(IHostEnvironment), typeof(LinearBinaryModelParameters), typeof(PlattCalibrator));
    });

    private static readonly Lazy<ConstructorInfo> MaximumEntropyCtor = new(() => FindCtor(
        typeof(MaximumEntropyModelParameters),
        typeof(IHostEnvironment), typeof(VBuffer<float>[]), typeof(float[]), typeof(int), typeof(int),
        typeof(string[]), typeof(ModelStatisticsBase)));

    private static readonly Lazy<ConstructorInfo> RegressionTransformerCtor = new(() => FindCtor(
        typeof(RegressionPredictionTransformer<LinearRegressionModelParameters>),
        typeof(IHostEnvironment), typeof(LinearRegressionModelParameters), typeof(DataViewSchema), typeof(string)));

    private static readonly Lazy<ConstructorInfo> BinaryTransformerCtor = new(() => FindCtor(
        typeof(BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>),
        typeof(IHostEnvironment), typeof(CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>),
        typeof(DataViewSchema), typeof(string), typeof(float), typeof(string)));

    private static readonly Lazy<ConstructorInfo> MulticlassTransformerCtor = new(() => FindCtor(
        typeof(MulticlassPredictionTransformer<MaximumEntropyModelParameters>),
        typeof(IHostEnvironment), typeof(MaximumEntropyModelParameters), typeof(DataViewSchema),
        typeof(string), typeof(string), typeof(string), typeof(string)));

    private static readonly Lazy<ConstructorInfo> LinearMulticlassCtor = new(() => FindCtor(
        typeof(LinearMulticlassModelParameters),
        typeof(IHostEnvironment), typeof(VBuffer<float>[]), typeof(float[]), typeof(int), typeof(int),
        typeof(string[]), typeof(ModelStatisticsBase)));

    private static readonly Lazy<ConstructorInfo> LinearMulticlassTransformerCtor = new(() => FindCtor(
        typeof(MulticlassPredictionTransformer<LinearMulticlassModelParameters>),
        typeof(IHostEnvironment), typeof(LinearMulticlassModelParameters), typeof(DataViewSchema),
        typeof(string), typeof(string), typeof(string), typeof(string)));

    private static readonly Lazy<MethodInfo> SaveBinaryStreamMethod = new(() =>
        typeof(ModelSaveContext).GetMethod("SaveBinaryStream", InstanceAny, [typeof(string), typeof(Action<BinaryWriter>)])
        ?? throw Missing("method ModelSaveContext.SaveBinaryStream(string, Action<BinaryWriter>)"));

    private static readonly Lazy<(PropertyInfo Transformers, PropertyInfo Scopes)> ChainAccessor = new(() =>
    {
        var type = FindType(typeof(TransformerChain<>).Assembly, "Microsoft.ML.Data.ITransformerChainAccessor");
        return (type.GetProperty("Transformers", InstanceAny) ?? throw Missing("property ITransformerChainAccessor.Transformers"),
                type.GetProperty("Scopes", InstanceAny) ?? throw Missing("property ITransformerChainAccessor.Scopes"));
    });

    private static readonly Lazy<ConstructorInfo> TrainerInfoCtor = new(() => FindCtor(
        typeof(TrainerInfo), typeof(bool), typeof(bool), typeof(bool), typeof(bool), typeof(bool), typeof(bool)));

    private static readonly Lazy<PropertyInfo> IsCanceledProperty = new(() =>
    {
        var type = FindType(typeof(IHostEnvironment).Assembly, "Microsoft.ML.Runtime.ICancelable");
        return type.GetProperty("IsCanceled", InstanceAny) ?? throw Missing("property Microsoft.ML.Runtime.ICancelable.IsCanceled");
    });

    private static readonly Lazy<MethodInfo> CancelExecutionMethod = new(() =>
        typeof(MLContext).GetMethod("CancelExecution", InstanceAny, Type.EmptyTypes)
        ?? throw Missing("method MLContext.CancelExecution()"));

    /// <summary>The user's environment behind a trainer catalog (the catalog's public API offers no way back to it).</summary>
    public static IHostEnvironment GetEnvironment(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return (IHostEnvironment)(CatalogEnvironment.Value.GetValue(catalog)
            ?? throw new InvalidOperationException($"The catalog {catalog.GetType().Name} has no environment."));
    }

    /// <summary>True once <c>MLContext.CancelExecution()</c> was called on the environment (or its parent).</summary>
    public static bool IsCanceled(IHostEnvironment env) => IsCanceledGetter.Value(env);

    // Compiled once: PropertyInfo.GetValue boxes the bool, an allocation per call in loops that check every batch.
    private static readonly Lazy<Func<IHostEnvironment, bool>> IsCanceledGetter = new(() =>
    {
        var property = IsCanceledProperty.Value;
        var cancelable = property.DeclaringType!;
        var env = System.Linq.Expressions.Expression.Parameter(typeof(IHostEnvironment), "env");
        var body = System.Linq.Expressions.Expression.Condition(
            System.Linq.Expressions.Expression.TypeIs(env, cancelable),
            System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(env, cancelable), property),
            System.Linq.Expressions.Expression.Constant(false));
        return System.Linq.Expressions.Expression.Lambda<Func<IHostEnvironment, bool>>(body, env).Compile();
    });

    /// <summary>Throws <see cref="OperationCanceledException"/> if the user cancelled the environment's execution.</summary>
    public static void ThrowIfCanceled(IHostEnvironment env)
    {
        if (IsCanceled(env))
            throw new OperationCanceledException("Training was cancelled through MLContext.CancelExecution().");
    }

    /// <summary>Calls ML.NET's internal <c>MLContext.CancelExecution()</c> (public in earlier ML.NET versions).</summary>
    public static void CancelExecution(MLContext mlContext) => CancelExecutionMethod.Value.Invoke(mlContext, null);

    /// <summary>ML.NET's description of a trainer's needs (its constructor is internal).</summary>
    public static TrainerInfo CreateTrainerInfo(bool needNormalization, bool wantCaching)
        => (TrainerInfo)Invoke(TrainerInfoCtor.Value, needNormalization, false, wantCaching, false, false, false);

    public static LinearRegressionModelParameters CreateLinearRegressionModel(IHostEnvironment env, float[] weights, float bias)
    {
        var buffer = new VBuffer<float>(weights.Length, (float[])weights.Clone());
        return (LinearRegressionModelParameters)Invoke(LinearRegressionCtor.Value, env, buffer, bias);
    }

    /// <summary>ML.NET's Poisson regression model: Score = exp(θᵀx + b).</summary>
    public static PoissonRegressionModelParameters CreatePoissonRegressionModel(IHostEnvironment env, float[] weights, float bias)
    {
        var buffer = new VBuffer<float>(weights.Length, (float[])weights.Clone());
        return (PoissonRegressionModelParameters)Invoke(PoissonRegressionCtor.Value, env, buffer, bias);
    }

    public static RegressionPredictionTransformer<PoissonRegressionModelParameters> CreatePoissonTransformer(
        IHostEnvironment env, PoissonRegressionModelParameters model, DataViewSchema trainSchema, string featureColumn)
        => (RegressionPredictionTransformer<PoissonRegressionModelParameters>)Invoke(PoissonTransformerCtor.Value,
            env, model, trainSchema, featureColumn);

    public static LinearModelParameterStatistics CreateLinearModelStatistics(IHostEnvironment env, long trainingExampleCount,
        int parameterCount, float deviance, float nullDeviance, float[] coefficientStandardErrors, float[] weights, float bias)
    {
        var stdErrors = new VBuffer<float>(coefficientStandardErrors.Length, (float[])coefficientStandardErrors.Clone());
        var w = new VBuffer<float>(weights.Length, (float[])weights.Clone());
        return (LinearModelParameterStatistics)Invoke(LinearStatisticsCtor.Value, env, trainingExampleCount, parameterCount,
            deviance, nullDeviance, stdErrors, w, bias);
    }

    /// <summary>
    /// ML.NET's calibrated logistic model: a linear margin and a Platt calibrator σ(−(−1)·score + 0) = σ(score),
    /// exactly the object <c>LbfgsLogisticRegression</c> produces.
    /// </summary>
    public static CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator> CreateCalibratedLinearBinaryModel(
        IHostEnvironment env, float[] weights, float bias, ModelStatisticsBase? statistics)
    {
        var buffer = new VBuffer<float>(weights.Length, (float[])weights.Clone());
        var linear = (LinearBinaryModelParameters)Invoke(LinearBinaryCtor.Value, env, buffer, bias, statistics);
        var calibrator = (PlattCalibrator)Invoke(PlattCtor.Value, env, -1.0, 0.0);
        return (CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>)Invoke(CalibratedCtor.Value, env, linear, calibrator);
    }

    /// <summary>ML.NET's softmax model; <paramref name="weights"/> holds one row of <paramref name="numberOfFeatures"/> per class.</summary>
    public static MaximumEntropyModelParameters CreateMaximumEntropyModel(IHostEnvironment env, float[][] weights, float[] bias,
        int numberOfFeatures, string[]? labelNames)
    {
        var rows = weights.Select(w => new VBuffer<float>(numberOfFeatures, (float[])w.Clone())).ToArray();
        return (MaximumEntropyModelParameters)Invoke(MaximumEntropyCtor.Value, env, rows, (float[])bias.Clone(),
            weights.Length, numberOfFeatures, labelNames, null);
    }

    public static RegressionPredictionTransformer<LinearRegressionModelParameters> CreateRegressionTransformer(
        IHostEnvironment env, LinearRegressionModelParameters model, DataViewSchema trainSchema, string featureColumn)
        => (RegressionPredictionTransformer<LinearRegressionModelParameters>)Invoke(RegressionTransformerCtor.Value,
            env, model, trainSchema, featureColumn);

    public static BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> CreateBinaryTransformer(
        IHostEnvironment env, CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator> model,
        DataViewSchema trainSchema, string featureColumn)
        => (BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>>)Invoke(
            BinaryTransformerCtor.Value, env, model, trainSchema, featureColumn, 0f, "Score");

    public static MulticlassPredictionTransformer<MaximumEntropyModelParameters> CreateMulticlassTransformer(
        IHostEnvironment env, MaximumEntropyModelParameters model, DataViewSchema trainSchema, string featureColumn, string labelColumn)
        => (MulticlassPredictionTransformer<MaximumEntropyModelParameters>)Invoke(MulticlassTransformerCtor.Value,
            env, model, trainSchema, featureColumn, labelColumn, "Score", "PredictedLabel");

    /// <summary>
    /// ML.NET's raw multi-output linear model (what <c>SdcaNonCalibrated</c> returns for multiclass): score j =
    /// b[j] + w[j]·x, no calibration. <paramref name="weights"/> holds one row of <paramref name="numberOfFeatures"/> per output.
    /// </summary>
    public static LinearMulticlassModelParameters CreateLinearMulticlassModel(IHostEnvironment env, float[][] weights, float[] bias,
        int numberOfFeatures)
    {
        var rows = weights.Select(w => new VBuffer<float>(numberOfFeatures, (float[])w.Clone())).ToArray();
        return (LinearMulticlassModelParameters)Invoke(LinearMulticlassCtor.Value, env, rows, (float[])bias.Clone(),
            weights.Length, numberOfFeatures, null, null);
    }

    /// <summary>The multi-output linear model as a prediction transformer whose score and argmax columns have the given names.</summary>
    public static MulticlassPredictionTransformer<LinearMulticlassModelParameters> CreateLinearMulticlassTransformer(
        IHostEnvironment env, LinearMulticlassModelParameters model, DataViewSchema trainSchema, string featureColumn,
        string scoreColumn, string predictedLabelColumn)
        => (MulticlassPredictionTransformer<LinearMulticlassModelParameters>)Invoke(LinearMulticlassTransformerCtor.Value,
            env, model, trainSchema, featureColumn, null, scoreColumn, predictedLabelColumn);

    /// <summary>
    /// Adds the entry <paramref name="name"/> beside the model being saved (in the context's own zip directory). ML.NET's
    /// <c>Model.Load</c> ignores entries it does not ask for, so this is how a transformer of ours leaves data for
    /// <c>LoadWithExtensions</c> in a zip that still loads without this library.
    /// </summary>
    public static void SaveBinaryStream(ModelSaveContext context, string name, Action<BinaryWriter> write)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            SaveBinaryStreamMethod.Value.Invoke(context, [name, write]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>
    /// The elements and scopes of a <see cref="TransformerChain{TLastTransformer}"/> of any last-transformer type; false
    /// for any other transformer.
    /// </summary>
    public static bool TryGetChainElements(ITransformer transformer, out ITransformer[] elements, out TransformerScope[] scopes)
    {
        var type = transformer.GetType();
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(TransformerChain<>))
        {
            elements = [];
            scopes = [];
            return false;
        }
        elements = ((ITransformer[])ChainAccessor.Value.Transformers.GetValue(transformer)!).ToArray();
        scopes = ((TransformerScope[])ChainAccessor.Value.Scopes.GetValue(transformer)!).ToArray();
        return true;
    }

    /// <summary>
    /// Resolves every internal member this class uses; throws <see cref="MissingMemberException"/> naming the first
    /// one that the installed Microsoft.ML no longer has.
    /// </summary>
    public static void VerifyAvailable()
    {
        _ = CatalogEnvironment.Value;
        _ = TrainerInfoCtor.Value;
        _ = IsCanceledProperty.Value;
        _ = CancelExecutionMethod.Value;
        _ = LinearRegressionCtor.Value;
        _ = PoissonRegressionCtor.Value;
        _ = PoissonTransformerCtor.Value;
        _ = LinearBinaryCtor.Value;
        _ = LinearStatisticsCtor.Value;
        _ = PlattCtor.Value;
        _ = CalibratedCtor.Value;
        _ = MaximumEntropyCtor.Value;
        _ = RegressionTransformerCtor.Value;
        _ = BinaryTransformerCtor.Value;
        _ = MulticlassTransformerCtor.Value;
        _ = LinearMulticlassCtor.Value;
        _ = LinearMulticlassTransformerCtor.Value;
        _ = SaveBinaryStreamMethod.Value;
        _ = ChainAccessor.Value;
    }

    private static object Invoke(ConstructorInfo ctor, params object?[] args)
    {
        try
        {
            return ctor.Invoke(args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static Type FindType(Assembly assembly, string fullName)
        => assembly.GetType(fullName) ?? throw Missing($"type {fullName} in {assembly.GetName().Name}");

    private static ConstructorInfo FindCtor(Type type, params Type[] parameters)
        => type.GetConstructor(InstanceAny, binder: null, parameters, modifiers: null)
           ?? throw Missing($"constructor {type.Name}({string.Join(", ", parameters.Select(p => p.Name))})");

    private static string InstalledVersion => typeof(MLContext).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "(unknown version)";

    private static MissingMemberException Missing(string what)
        => new($"MlNetExtensions needs the internal {what} of Microsoft.ML {InstalledVersion}; " +
               "it was built against Microsoft.ML 5.0.1. Pin Microsoft.ML to 5.0.1 or upgrade MlNetExtensions.");
}
