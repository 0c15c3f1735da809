using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MlNetExtensions.Data;
using MlNetExtensions.Interop;

namespace MlNetExtensions;

/// <summary>
/// The base of this library's trainers: an ML.NET trainer estimator whose <see cref="Fit(IDataView)"/> checks the schema,
/// reads the data through the library's one reader and logs to <c>MLContext.Log</c> as ML.NET's trainers do, and whose
/// output schema is exactly the one the matching built-in trainer reports.
/// </summary>
/// <typeparam name="TTransformer">The fitted prediction transformer.</typeparam>
/// <typeparam name="TModel">What was learned.</typeparam>
public abstract class TrainerBase<TTransformer, TModel> : ITrainerEstimator<TTransformer, TModel>
    where TTransformer : class, ISingleFeaturePredictionTransformer<TModel>
    where TModel : class
{
    private readonly IEstimator<ITransformer> _schemaReference;
    private readonly string _name;

    private protected TrainerBase(IHostEnvironment env, string name, TrainerOptions options, LabelKind labelKind,
        IEstimator<ITransformer> schemaReference, bool needNormalization)
    {
        Host = env;
        _name = name;
        BaseOptions = options;
        LabelKind = labelKind;
        _schemaReference = schemaReference;
        Info = MlNetInternals.CreateTrainerInfo(needNormalization, wantCaching: false);
    }

    /// <summary>What the trainer needs of the data: none of this library's trainers wants caching (each reads its data once).</summary>
    public TrainerInfo Info { get; }

    private protected IHostEnvironment Host { get; }
    private protected TrainerOptions BaseOptions { get; }
    private protected LabelKind LabelKind { get; }

    /// <summary>The input columns plus the prediction columns, as the matching ML.NET trainer adds them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of a type the task cannot use.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
        => LabelKind == LabelKind.Binary
            ? BinaryLabelSchema.GetOutputSchema(_schemaReference, inputSchema, BaseOptions.LabelColumnName)
            : _schemaReference.GetOutputSchema(inputSchema);

    /// <summary>Trains on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type (the message names it, the
    /// expected and the actual type).</exception>
    /// <exception cref="InvalidOperationException">No usable row, a bad example weight or label value (the message names the
    /// column, the row and the value), or training could not produce a finite model.</exception>
    /// <exception cref="OperationCanceledException">The context's execution was cancelled.</exception>
    public TTransformer Fit(IDataView input) => FitWith(input, Train);

    /// <summary>Trains the model from the prepared context.</summary>
    private protected abstract TTransformer Train(TrainingContext context);

    /// <summary>The Fit preamble every trainer shares: schema checks, the reader, the channel, the closing log line.</summary>
    private protected TTransformer FitWith(IDataView input, Func<TrainingContext, TTransformer> train)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var channel = Host.Start(_name);
        var reader = TrainingDataReader.Create(input, BaseOptions.LabelColumnName, BaseOptions.FeatureColumnName,
            BaseOptions.ExampleWeightColumnName, LabelKind, BaseOptions.FeatureLayout, channel);
        var context = new TrainingContext(Host, channel, reader, input, BaseOptions.MaximumThreads, MemoryBudget.For(BaseOptions));
        var model = train(context);
        channel.Info(MessageSensitivity.None, $"{_name}: trained in {context.Clock.ElapsedMilliseconds} ms.");
        return model;
    }
}

/// <summary>What a trainer's <c>Train</c> gets: the environment, its log channel, the checked reader and the data.</summary>
internal sealed class TrainingContext(IHostEnvironment env, IChannel channel, TrainingDataReader reader, IDataView data, int maximumThreads,
    MemoryBudget budget)
{
    public IHostEnvironment Environment { get; } = env;
    public IChannel Channel { get; } = channel;
    public TrainingDataReader Reader { get; } = reader;
    public IDataView Data { get; } = data;

    /// <summary>The most threads the fit may use (<see cref="TrainerOptions.NumberOfThreads"/>, or the machine's cores).</summary>
    public int MaximumThreads { get; } = maximumThreads;

    /// <summary>What the fit may allocate for what grows with n·d or d² (<see cref="TrainerOptions.MemoryBudgetBytes"/>).</summary>
    public MemoryBudget Budget { get; } = budget;

    /// <summary>Started when the fit began.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Reads every usable row into memory in the reader's layout, logging what was read and skipped.</summary>
    public TrainingSet ReadAll() => Reader.ReadAll(Environment, Channel, Budget);

    public void ThrowIfCanceled() => MlNetInternals.ThrowIfCanceled(Environment);
}
