namespace TalosSeccomp.Audit.Attribution;

/// <summary>One Kubernetes container as the node's CRI lists it (shared by every event of that container).</summary>
internal sealed record AttributedContainer(string Namespace, string Pod, string PodUid, string? Container, string ContainerId, string Image)
{
    /// <summary>Sets the event's Kubernetes fields and marks it attributed.</summary>
    public void ApplyTo(SeccompAuditEvent evt)
    {
        evt.Namespace = Namespace;
        evt.Pod = Pod;
        evt.PodUid = PodUid;
        evt.Container = Container;
        evt.ContainerId = ContainerId;
        evt.Image = Image;
        evt.Attribution = AuditAttribution.Container;
    }
}

/// <summary>What a lookup found: a container, or why there is none.</summary>
internal readonly record struct AttributionResult(AuditAttribution Kind, AttributedContainer? Container)
{
    public static AttributionResult Of(AuditAttribution kind) => new(kind, null);

    public void ApplyTo(SeccompAuditEvent evt)
    {
        if (Container is not null)
        {
            Container.ApplyTo(evt);
        }
        else
        {
            evt.Attribution = Kind;
        }
    }
}
