namespace Verity.Engine.Ops;

/// <summary>Token embedding lookup: x[n] = E[token[n]].</summary>
public static class Embedding
{
    /// <summary>E [V,C], tokens [N] → x [N,C]. Token ids must already be checked to lie in [0, V).</summary>
    public static void Forward(float[] e, int[] tokens, int n, int c, float[] x)
    {
        for (int i = 0; i < n; i++) e.AsSpan(tokens[i] * c, c).CopyTo(x.AsSpan(i * c, c));
    }

    /// <summary>dx [N,C] → dE [V,C] (+=), rows in order (deterministic when tokens repeat).</summary>
    public static void Backward(float[] dx, int[] tokens, int n, int c, float[] dE)
    {
        for (int i = 0; i < n; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(dE.AsSpan(tokens[i] * c, c), dx.AsSpan(i * c, c), dE.AsSpan(tokens[i] * c, c));
    }

    /// <summary>float64 reference: E [V,C], tokens [N] → x [N,C].</summary>
    public static double[] Reference(double[] e, int[] tokens, int c)
    {
        var x = new double[tokens.Length * c];
        for (int i = 0; i < tokens.Length; i++) Array.Copy(e, tokens[i] * c, x, i * c, c);
        return x;
    }
}
