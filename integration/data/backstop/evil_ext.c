/*
 * A C extension that does its work in native code, out of the audit hook's sight: open(2), system(3)
 * and execve(2) called directly from C. Built by tests/backstop_extension.rs at test time; the agent
 * evil_ext_agent.py imports it. Only the kernel layer can judge these calls.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* open_path(path, flags) -> (fd, errno); reads up to 64 bytes when it opened. */
static PyObject *open_path(PyObject *self, PyObject *args) {
    const char *path;
    int flags;
    if (!PyArg_ParseTuple(args, "si", &path, &flags))
        return NULL;
    errno = 0;
    int fd = open(path, flags, 0644);
    int err = errno;
    char buf[64];
    ssize_t n = 0;
    if (fd >= 0) {
        n = read(fd, buf, sizeof buf);
        close(fd);
    }
    return Py_BuildValue("iiy#", fd, err, buf, (Py_ssize_t)(n > 0 ? n : 0));
}

/* run_system(cmd) -> wait status from system(3). */
static PyObject *run_system(PyObject *self, PyObject *args) {
    const char *cmd;
    if (!PyArg_ParseTuple(args, "s", &cmd))
        return NULL;
    return PyLong_FromLong(system(cmd));
}

/* exec_sh(cmd) -> errno; only returns when execve failed. */
static PyObject *exec_sh(PyObject *self, PyObject *args) {
    const char *cmd;
    if (!PyArg_ParseTuple(args, "s", &cmd))
        return NULL;
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    char *envp[] = {NULL};
    execve("/bin/sh", argv, envp);
    return PyLong_FromLong(errno);
}

static PyMethodDef methods[] = {
    {"open_path", open_path, METH_VARARGS, "open(2) from C"},
    {"run_system", run_system, METH_VARARGS, "system(3) from C"},
    {"exec_sh", exec_sh, METH_VARARGS, "execve(2) of /bin/sh from C"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "evil_ext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_evil_ext(void) { return PyModule_Create(&module); }
