using System.Runtime.CompilerServices;

namespace MlNetExtensions;

/// <summary>
/// What a trainer of this library learned beyond ML.NET's model object (statistics, the optimizer's report), kept beside
/// that object for as long as it lives: ML.NET's model classes have no slot for it.
/// </summary>
internal sealed class ModelAttachment<TModel, TValue> where TModel : class where TValue : class
{
    private readonly ConditionalWeakTable<TModel, TValue> _table = new();

    public void Attach(TModel model, TValue value) => _table.AddOrUpdate(model, value);

    public TValue? Find(TModel model) => _table.TryGetValue(model, out var value) ? value : null;
}
