namespace SsdStream.Pipeline.Tracking;

/// <summary>
/// One track's constant-velocity Kalman filter on its box, as ByteTrack uses it (after DeepSORT).
/// State (8): centre x, centre y, aspect a = width / height, height h (pixels) and their velocities per
/// step; measurement (4): x, y, a, h. Noise is scaled by the height, with standard deviations of 1/20 of
/// it for positions and 1/160 for velocities (the aspect's are fixed: 1e-2 and 1e-5; 1e-1 when measured).
/// A step is one nominal frame interval; <see cref="Predict"/> takes fractional or several steps for an
/// irregular or dropped frame, scaling the process noise with the time (1 step: exactly ByteTrack's).
/// </summary>
/// <remarks>
/// Written by hand on plain double arrays: the matrices are 8 x 8 and 4 x 4, the project keeps no
/// linear-algebra library, and the model's structure (each coordinate moves with its own velocity)
/// makes predict a few additions, allocation-free, for every track on every frame.
/// </remarks>
public sealed class KalmanBoxFilter
{
    public const int StateSize = 8;
    public const int MeasurementSize = 4;

    /// <summary>Standard deviation of position noise as a fraction of the box height.</summary>
    public const double PositionWeight = 1.0 / 20;

    /// <summary>Standard deviation of velocity noise as a fraction of the box height.</summary>
    public const double VelocityWeight = 1.0 / 160;

    private readonly double[] _mean = new double[StateSize];
    private readonly double[] _covariance = new double[StateSize * StateSize];

    /// <summary>
    /// Starts the filter at <paramref name="box"/> (pixels) with zero velocity: position deviations
    /// 2·h/20, velocity deviations 10·h/160 (aspect 1e-2 and 1e-5), as ByteTrack's <c>initiate</c>.
    /// </summary>
    public KalmanBoxFilter(CornerBox box)
    {
        Span<double> z = stackalloc double[MeasurementSize];
        ToMeasurement(box, z);
        z.CopyTo(_mean);
        double h = z[3];
        double p = 2 * PositionWeight * h, v = 10 * VelocityWeight * h;
        Span<double> std = [p, p, 1e-2, p, v, v, 1e-5, v];
        for (int i = 0; i < StateSize; i++) _covariance[i * StateSize + i] = std[i] * std[i];
    }

    /// <summary>State mean [x, y, a, h, vx, vy, va, vh] (pixels, pixels per step).</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>State covariance, 8 x 8 row-major.</summary>
    public ReadOnlySpan<double> Covariance => _covariance;

    /// <summary>The box of the state's mean, corners in pixels.</summary>
    public CornerBox Box
    {
        get
        {
            double h = _mean[3], w = _mean[2] * h;
            return new CornerBox((float)(_mean[0] - w / 2), (float)(_mean[1] - h / 2), (float)(_mean[0] + w / 2), (float)(_mean[1] + h / 2));
        }
    }

    /// <summary>Stops the height's change (ByteTrack does this before predicting a track it lost).</summary>
    public void StopHeightVelocity() => _mean[7] = 0;

    /// <summary>
    /// Moves the state <paramref name="steps"/> frame intervals ahead: x += steps·v, and
    /// P = F·P·Fᵀ + steps·Q with Q = diag((h/20)², (h/20)², 1e-4, (h/20)², (h/160)², (h/160)², 1e-10, (h/160)²),
    /// h the height before the move.
    /// </summary>
    public void Predict(double steps)
    {
        if (!(steps >= 0)) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be 0 or more");
        const int n = StateSize;
        double h = _mean[3];
        double p = PositionWeight * h, v = VelocityWeight * h;
        Span<double> q = [p * p, p * p, 1e-4, p * p, v * v, v * v, 1e-10, v * v];
        for (int i = 0; i < 4; i++) _mean[i] += steps * _mean[i + 4];

        // F·P: row i (< 4) gains steps·row i+4.
        var c = _covariance;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < n; j++)
                c[i * n + j] += steps * c[(i + 4) * n + j];
        // (F·P)·Fᵀ: column j (< 4) gains steps·column j+4.
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 4; j++)
                c[i * n + j] += steps * c[i * n + j + 4];
        for (int i = 0; i < n; i++) c[i * n + i] += steps * q[i];
    }

    /// <summary>
    /// Corrects the state with the measured <paramref name="box"/> (pixels): innovation covariance
    /// S = H·P·Hᵀ + R with R = diag((h/20)², (h/20)², 1e-2, (h/20)²) (h the predicted height), gain
    /// K = P·Hᵀ·S⁻¹, mean += K·(z − H·mean), P −= K·S·Kᵀ.
    /// </summary>
    public void Update(CornerBox box)
    {
        const int n = StateSize, m = MeasurementSize;
        Span<double> z = stackalloc double[m];
        ToMeasurement(box, z);
        double h = _mean[3];
        double r = PositionWeight * h;
        Span<double> noise = [r * r, r * r, 1e-2, r * r];

        var c = _covariance;
        // S = P[0..4, 0..4] + R, factored as L·Lᵀ (Cholesky; S is symmetric positive definite).
        Span<double> l = stackalloc double[m * m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                l[i * m + j] = c[i * n + j] + (i == j ? noise[i] : 0);
        Cholesky(l, m);

        // K[i] = S⁻¹·(P·Hᵀ)[i] for each state row i; P·Hᵀ is the first four columns of P.
        Span<double> k = stackalloc double[n * m];
        for (int i = 0; i < n; i++) CholeskySolve(l, m, c.AsSpan(i * n, m), k.Slice(i * m, m));

        Span<double> innovation = stackalloc double[m];
        for (int j = 0; j < m; j++) innovation[j] = z[j] - _mean[j];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < m; j++) sum += k[i * m + j] * innovation[j];
            _mean[i] += sum;
        }

        // P −= K·S·Kᵀ = K·(P·Hᵀ)ᵀ; read P·Hᵀ before overwriting: row j's first four entries.
        Span<double> pht = stackalloc double[n * m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                pht[i * m + j] = c[i * n + j];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int t = 0; t < m; t++) sum += k[i * m + t] * pht[j * m + t];
                c[i * n + j] -= sum;
            }
    }

    /// <summary>Box corners (pixels) to the measurement [centre x, centre y, width / height, height].</summary>
    public static void ToMeasurement(CornerBox box, Span<double> z)
    {
        double w = box.X2 - (double)box.X1, h = box.Y2 - (double)box.Y1;
        h = Math.Max(h, 1e-3); // a degenerate box keeps a finite aspect
        z[0] = box.X1 + w / 2;
        z[1] = box.Y1 + h / 2;
        z[2] = w / h;
        z[3] = h;
    }

    // In-place lower Cholesky factor of the size x size row-major matrix a (upper part left as is).
    private static void Cholesky(Span<double> a, int size)
    {
        for (int j = 0; j < size; j++)
        {
            double d = a[j * size + j];
            for (int t = 0; t < j; t++) d -= a[j * size + t] * a[j * size + t];
            d = Math.Sqrt(Math.Max(d, 1e-12));
            a[j * size + j] = d;
            for (int i = j + 1; i < size; i++)
            {
                double s = a[i * size + j];
                for (int t = 0; t < j; t++) s -= a[i * size + t] * a[j * size + t];
                a[i * size + j] = s / d;
            }
        }
    }

    // Solves L·Lᵀ·x = b with the factor from Cholesky.
    private static void CholeskySolve(ReadOnlySpan<double> l, int size, ReadOnlySpan<double> b, Span<double> x)
    {
        for (int i = 0; i < size; i++)
        {
            double s = b[i];
            for (int t = 0; t < i; t++) s -= l[i * size + t] * x[t];
            x[i] = s / l[i * size + i];
        }
        for (int i = size - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int t = i + 1; t < size; t++) s -= l[t * size + i] * x[t];
            x[i] = s / l[i * size + i];
        }
    }
}
