// Compiles tests/test_pch.h into the precompiled header every test binary
// reuses (root CMakeLists.txt, credmesh_test_pch). Nothing else.
