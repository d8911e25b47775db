namespace TalosSeccomp.MachineConfig;

/// <summary>Where <c>machine.seccompProfiles</c> stands in the v1alpha1 document, which decides how an edit is spliced.</summary>
internal enum ProfilesState
{
    /// <summary>No <c>machine:</c> key.</summary>
    MachineMissing,

    /// <summary><c>machine:</c> with an empty/null value or <c>{}</c>.</summary>
    MachineEmpty,

    /// <summary><c>machine:</c> is a block mapping without <c>seccompProfiles</c>.</summary>
    ProfilesMissing,

    /// <summary><c>seccompProfiles:</c> with an empty/null value.</summary>
    ProfilesNull,

    /// <summary><c>seccompProfiles: [...]</c> (flow style, including <c>[]</c>).</summary>
    ProfilesFlow,

    /// <summary><c>seccompProfiles:</c> followed by a block list.</summary>
    ProfilesBlock,
}
