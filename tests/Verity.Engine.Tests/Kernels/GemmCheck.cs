using Verity.Engine.Kernels;

namespace Verity.Engine.Tests.Kernels;

/// <summary>The three layouts as one enum so each test runs them all against the float64 reference.</summary>
public enum Layout { XWt, XW, XtY }

internal static class GemmCheck
{
    /// <summary>Buffer lengths of (first input, second input, output) for a layout.</summary>
    public static (int A, int B, int C) Lengths(Layout layout, int m, int n, int k) => layout switch
    {
        Layout.XWt => (m * k, n * k, m * n),
        Layout.XW => (m * n, n * k, m * k),
        _ => (m * n, m * k, n * k),
    };

    public static void Fast(Layout layout, float[] a, float[] b, int m, int n, int k, float[] c, bool accumulate)
    {
        switch (layout)
        {
            case Layout.XWt: Gemm.XWt(a, b, m, n, k, c, accumulate); break;
            case Layout.XW: Gemm.XW(a, b, m, n, k, c, accumulate); break;
            default: Gemm.XtY(a, b, m, n, k, c, accumulate); break;
        }
    }

    public static void Reference(Layout layout, float[] a, float[] b, int m, int n, int k, float[] c, bool accumulate)
    {
        switch (layout)
        {
            case Layout.XWt: GemmReference.XWt(a, b, m, n, k, c, accumulate); break;
            case Layout.XW: GemmReference.XW(a, b, m, n, k, c, accumulate); break;
            default: GemmReference.XtY(a, b, m, n, k, c, accumulate); break;
        }
    }

    public static float[] Random(int length, int seed)
    {
        var rng = new Random(seed);
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    /// <summary>
    /// Runs fast and reference on the same random inputs and compares element-wise with a tolerance of
    /// 1e-5·sqrt(depth)·max(1, |ref|) (inputs are in [-1, 1], so a sum of depth products is O(sqrt(depth))).
    /// </summary>
    public static void AgreesWithReference(Layout layout, int m, int n, int k, bool accumulate, int seed = 1)
    {
        var (la, lb, lc) = Lengths(layout, m, n, k);
        var a = Random(la, seed);
        var b = Random(lb, seed + 1);
        var c0 = Random(lc, seed + 2);
        var fast = (float[])c0.Clone();
        var reference = (float[])c0.Clone();
        Fast(layout, a, b, m, n, k, fast, accumulate);
        Reference(layout, a, b, m, n, k, reference, accumulate);
        int depth = layout switch { Layout.XWt => k, Layout.XW => n, _ => m };
        for (int i = 0; i < lc; i++)
        {
            double tol = 1e-5 * Math.Sqrt(Math.Max(1, depth)) * Math.Max(1, Math.Abs(reference[i]));
            if (Math.Abs(fast[i] - reference[i]) > tol)
                Assert.Fail($"{layout} m={m} n={n} k={k} accumulate={accumulate} path={MicroKernel.Path}: element {i} is {fast[i]}, reference {reference[i]}");
        }
    }
}
