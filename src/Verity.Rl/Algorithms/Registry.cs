namespace Verity.Rl.Algorithms;

/// <summary>
/// Lookup in the algorithm registries (dictionaries keyed by the config name). An unknown name is a user
/// error, so the message lists every known name: the fix is one of them.
/// </summary>
public static class Registry
{
    public static T Resolve<T>(IReadOnlyDictionary<string, T> registry, string name, string what)
    {
        if (registry.TryGetValue(name, out var value)) return value;
        throw new ArgumentException(
            $"unknown {what} '{name}'. HINT: use one of: {string.Join(", ", registry.Keys.Order(StringComparer.Ordinal))}");
    }
}
