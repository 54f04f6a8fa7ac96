public import DurableManager

extension JournalError {
    /// The exit status a command-line tool ends with for this error, from `sysexits.h`, the same
    /// for every command: `durablectl`'s and a custom manager's `serve`.
    ///
    /// | status | meaning |
    /// | --- | --- |
    /// | 65 | the journal is damaged |
    /// | 73 | an import into a journal that holds state |
    /// | 74 | the disk is full |
    /// | 75 | a manager runs on the journal |
    /// | 76 | the journal is of a newer version |
    /// | 78 | the file is not a journal, or belongs to a custom manager with other types |
    public var exitCode: Int32 {
        if isNotAJournal || isForAnotherManager { return 78 }  // EX_CONFIG: the wrong file for this command
        if isHoldingState { return 73 }                       // EX_CANTCREAT
        if isDiskFull { return 74 }                           // EX_IOERR
        if isInUse { return 75 }                              // EX_TEMPFAIL
        if isNewerSchema { return 76 }                        // EX_PROTOCOL
        return 65                                             // EX_DATAERR
    }
}
